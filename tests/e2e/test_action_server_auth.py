"""The action server's /webhook only runs actions for Rasa: it refuses calls without ACTION_SERVER_TOKEN.

Publishing the action server for the widget's `/stream/` must not let anyone post a forged tracker
to `/webhook` and read or fill a guest's cart. Rasa sends the token (endpoints.yml); the browser's
stream needs none.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.test_ordering import Guest, order_with_size
from tests.stack import Stack

pytestmark = pytest.mark.e2e


def forged_call(sender: str, action: str, slots: dict[str, Any]) -> dict[str, Any]:
    """An action call as Rasa posts it, written by whoever reaches /webhook: any guest's sender and cart."""
    user = {
        "event": "user",
        "timestamp": time.time(),
        "text": "hi",
        "input_channel": "rest",
        "parse_data": {"intent": {"name": "greet", "confidence": 1.0}, "entities": []},
    }
    tracker = {
        "sender_id": sender,
        "slots": slots,
        "events": [{"event": "action", "name": "action_listen"}, user],
        "latest_message": {"text": "hi", "intent": {"name": "greet", "confidence": 1.0}, "entities": []},
        "paused": False,
        "followup_action": None,
        "active_loop": {},
        "latest_action_name": "action_listen",
    }
    return {"next_action": action, "sender_id": sender, "version": "3.6.21", "domain": {}, "tracker": tracker}


def post_webhook(stack: Stack, body: dict[str, Any], headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.post(f"{stack.actions_url}/webhook", json=body, headers=headers or {}, timeout=20)


def lines(cart: dict[str, Any]) -> list[tuple[Any, Any]]:
    return sorted((line["item"]["id"], line["quantity"]) for line in cart["lines"])


@pytest.fixture
def guest_with_a_cart(stack: Stack) -> Guest:
    """A guest who ordered through Rasa: Rasa's own action calls carry the token and work."""
    guest = Guest(stack)
    reply = order_with_size(guest, "one tomato soup please", "regular")
    assert "Added" in reply, reply
    assert lines(guest.cart()), guest.cart()
    return guest


def test_a_forged_action_call_without_the_token_is_refused_and_changes_no_cart(
    stack: Stack, guest_with_a_cart: Guest
):
    guest = guest_with_a_cart
    before = guest.cart()
    line = before["lines"][0]
    dish = line["item"]["name"]
    slots = {"cart_id": before["id"]}

    # reading the guest's cart: refused without the token, and with a wrong one
    view = forged_call(guest.sender, "action_view_cart", slots)
    for headers in ({}, {"Authorization": "Bearer not-the-token"}, {"Authorization": "not-the-token"}):
        refused = post_webhook(stack, view, headers)
        assert refused.status_code == 401, (headers, refused.text)
        assert dish not in refused.text and "Total" not in refused.text
    # the query-string form is no way round it either
    refused = httpx.post(
        f"{stack.actions_url}/webhook", params={"token": "e2e-action-server-token"}, json=view, timeout=20
    )
    assert refused.status_code == 401

    # filling the guest's cart: refused, and the cart is as it was
    size = next((option["name"] for option in line.get("options") or []), None)
    add = forged_call(
        guest.sender,
        "action_add_order_line",
        {**slots, "dish_id": line["item"]["id"], "dish": dish, "quantity": 5, "size": size, "extras": []},
    )
    refused = post_webhook(stack, add)
    assert refused.status_code == 401, refused.text
    after = guest.cart()
    assert lines(after) == lines(before) and after["total"] == before["total"]

    # the same call with Rasa's token is an ordinary action call: the refusal is the token's doing
    allowed = post_webhook(stack, view, stack.action_headers)
    assert allowed.status_code == 200, allowed.text
    assert dish in allowed.json()["responses"][0]["text"]


def test_the_answer_stream_needs_no_token(stack: Stack):
    """Browsers read /stream/<message id> with no secret: it still opens, with CORS for the chat's sites."""
    origin = stack.chat_origins[0]
    with httpx.stream(
        "GET", f"{stack.actions_url}/stream/{uuid.uuid4().hex}", headers={"Origin": origin}, timeout=10
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers.get("access-control-allow-origin") == origin
        first = next(response.iter_lines())
        assert first.startswith("retry:")
