"""The action server keeps the retrieval index current: a staff edit reaches it by signed webhook, and
the next guest's question is answered from the changed menu (a dish added is found, a dish deleted is
gone)."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

from tests.stack import Stack

pytestmark = pytest.mark.e2e

ATTEMPTS = (
    "import json\n"
    "from apps.webhooks.models import WebhookAttempt\n"
    "print(json.dumps([[a.delivery.payload['data']['item_ids'], a.status_code]\n"
    "    for a in WebhookAttempt.objects.filter(delivery__event_type='menu.updated').select_related('delivery')]))"
)
# a dish no other test knows; added and deleted here, so the shared stack's menu is as it was after
NEW_DISH = "Smoked Bergamot Posset"
QUESTION = "Do you have a smoked bergamot posset with shortbread?"
DISH = "from apps.menu.models import Category, MenuItem\n"


def answer(stack: Stack, question: str) -> str:
    """The assistant's answer to a guest's question, as Rasa asks the action server for it after
    `ask_faq` (action_answer_faq searches the retrieval index, then the LLM writes from what it found)."""
    sender = f"retrieval-sync-{time.monotonic_ns()}"
    parse = {"intent": {"name": "ask_faq", "confidence": 1.0}, "entities": []}
    user = {
        "event": "user",
        "timestamp": time.time(),
        "text": question,
        "input_channel": "rest",
        "parse_data": parse,
    }
    tracker: dict[str, Any] = {
        "sender_id": sender,
        "slots": {"offline_notice_given": True},
        "events": [{"event": "action", "name": "action_listen"}, user],
        "latest_message": {"text": question, **parse},
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    body = {
        "next_action": "action_answer_faq",
        "sender_id": sender,
        "version": "3.6.21",
        "domain": {},
        "tracker": tracker,
    }
    response = httpx.post(f"{stack.actions_url}/webhook", json=body, headers=stack.action_headers, timeout=60)
    response.raise_for_status()
    return "\n".join(message.get("text") or "" for message in response.json()["responses"])


def accepted_count(stack: Stack, item_id: int) -> int:
    """Accepted (200) menu.updated deliveries naming the item."""
    attempts = json.loads(stack.orm(ATTEMPTS).strip().splitlines()[-1])
    return sum(item_id in item_ids and status == 200 for item_ids, status in attempts)


def wait_for_answer(stack: Stack, check, what: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while True:
        reply = answer(stack, QUESTION)
        if check(reply):
            return reply
        assert time.monotonic() < deadline, f"{what}; the last answer: {reply!r}"
        time.sleep(0.5)


def test_a_dish_added_then_deleted_by_staff_is_found_then_gone_in_the_guest_s_answer(stack: Stack):
    assert NEW_DISH not in answer(stack, QUESTION)
    item_id = int(
        stack.orm(  # as staff would in the admin; the backend signs menu.updated after commit
            DISH + f"item = MenuItem.objects.create(category=Category.objects.get(slug='desserts'), "
            f"slug='smoked-bergamot-posset', name={NEW_DISH!r}, "
            "description='Set cream posset with smoked bergamot and a shortbread finger.', price='6.80', "
            "allergens=['milk', 'cereals_gluten'])\nprint(item.id)"
        )
        .strip()
        .splitlines()[-1]
    )
    try:
        reply = wait_for_answer(
            stack, lambda text: NEW_DISH in text, "the added dish never reached the answer"
        )
        assert accepted_count(stack, item_id) >= 1, (
            "answered without an accepted signed menu.updated delivery"
        )
        print(reply)
    finally:
        delivered = accepted_count(stack, item_id)
        stack.orm(DISH + f"MenuItem.objects.filter(pk={item_id}).delete()")
    wait_for_answer(stack, lambda text: NEW_DISH not in text, "the deleted dish is still in the answer")
    assert accepted_count(stack, item_id) > delivered, "no accepted menu.updated delivery for the deletion"


def test_a_forged_menu_webhook_is_refused(stack: Stack):
    body = json.dumps({"type": "menu.updated", "data": {"item_ids": [1]}})
    headers = {
        "webhook-id": "msg_forged",
        "webhook-timestamp": str(int(time.time())),
        "webhook-signature": "v1,bm90IGEgcmVhbCBzaWduYXR1cmU=",
        "content-type": "application/json",
    }
    response = httpx.post(
        f"{stack.actions_url}/webhooks/menu-updated", content=body, headers=headers, timeout=30
    )
    assert response.status_code == 401
