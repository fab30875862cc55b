"""The action server keeps the retrieval index current: a staff edit reaches it by signed webhook."""
from __future__ import annotations

import json
import time

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


def test_a_menu_change_reaches_the_action_server_index_by_signed_webhook(stack: Stack):
    soup_id = int(stack.orm("from apps.menu.models import MenuItem\nprint(MenuItem.objects.get(name='Tomato Soup').id)"))
    stack.orm("from apps.menu.models import MenuItem\n"
              "item = MenuItem.objects.get(name='Tomato Soup')\n"
              "item.description = item.description + ' Now with smoked paprika croutons.'\n"
              "item.save()")
    deadline = time.monotonic() + 120
    accepted = False
    while time.monotonic() < deadline and not accepted:
        attempts = json.loads(stack.orm(ATTEMPTS))
        accepted = any(soup_id in item_ids and status == 200 for item_ids, status in attempts)
        time.sleep(1)
    assert accepted, f"no accepted menu.updated delivery for item {soup_id}: {attempts}"


def test_a_forged_menu_webhook_is_refused(stack: Stack):
    body = json.dumps({"type": "menu.updated", "data": {"item_ids": [1]}})
    headers = {"webhook-id": "msg_forged", "webhook-timestamp": str(int(time.time())),
               "webhook-signature": "v1,bm90IGEgcmVhbCBzaWduYXR1cmU=", "content-type": "application/json"}
    response = httpx.post(f"{stack.actions_url}/webhooks/menu-updated", content=body, headers=headers, timeout=30)
    assert response.status_code == 401
