from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from standardwebhooks import Webhook

from apps.menu.models import MenuItem, MenuOption
from apps.webhooks.models import WebhookDelivery
from tests.conftest import new_cart, place

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hooked(settings, receiver):
    settings.WEBHOOK_URLS = [receiver.url]
    return receiver


def verified(request: dict) -> dict:
    """Verify like a receiver would, with the shared secret (raises if the signature is wrong)."""
    return Webhook(django_settings.WEBHOOK_SECRET).verify(request["body"], request["headers"])


def test_menu_change_is_signed_and_retried_until_it_succeeds(demo, hooked):
    hooked.statuses = [500, 503]  # fails twice, then succeeds
    item = MenuItem.objects.get(slug="bruschetta")
    with transaction.atomic():  # like an admin save: item and its options in one transaction
        item.price = "6.50"
        item.save()
        MenuOption.objects.create(item=item, group="extra", name="burrata", price_delta="3.00")
    assert len(hooked.requests) == 3
    payload = verified(hooked.requests[-1])
    assert payload["type"] == "menu.updated"
    assert payload["data"]["item_ids"] == [item.pk]
    assert payload["data"]["version"]
    assert len({r["headers"]["webhook-id"] for r in hooked.requests}) == 1  # same message, retried
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.attempt_count == 3
    assert [a.status_code for a in delivery.attempts.all()] == [500, 503, 200]


def test_delivery_gives_up_after_max_attempts_and_records_each(demo, hooked):
    hooked.statuses = [500] * 10
    MenuItem.objects.filter(slug="bruschetta").first().save()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert delivery.attempts.count() == django_settings.WEBHOOK_MAX_ATTEMPTS == len(hooked.requests)


def test_unreachable_receiver_is_recorded_as_failed(demo, settings):
    settings.WEBHOOK_URLS = ["http://127.0.0.1:9/unreachable"]
    MenuItem.objects.filter(slug="bruschetta").first().save()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed"
    assert all(a.status_code is None and a.error for a in delivery.attempts.all())


def test_rolled_back_change_sends_nothing(demo, hooked):
    with pytest.raises(RuntimeError), transaction.atomic():
        MenuItem.objects.filter(slug="bruschetta").first().save()
        raise RuntimeError("boom")
    assert hooked.requests == [] and WebhookDelivery.objects.count() == 0
    MenuItem.objects.filter(slug="diavola-pizza").first().save()
    assert [verified(r)["data"]["item_ids"] for r in hooked.requests] == [[demo["diavola-pizza"].pk]]


def test_order_status_changes_are_announced(demo, hooked, api):
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()
    api.post(f"/api/orders/{order['id']}/status/", {"status": "confirmed"}, format="json")
    events = [verified(r) for r in hooked.requests]
    status_events = [e["data"] for e in events if e["type"] == "order.status_changed"]
    assert status_events == [
        {
            "order_id": order["id"],
            "number": order["number"],
            "status": "placed",
            "previous_status": None,
            "conversation_id": "conv-1",
            "customer": None,
        },
        {
            "order_id": order["id"],
            "number": order["number"],
            "status": "confirmed",
            "previous_status": "placed",
            "conversation_id": "conv-1",
            "customer": None,
        },
    ]


def test_order_with_stock_announces_menu_update(demo, hooked, api):
    place(api, new_cart(api, (demo["bruschetta"], 2, []))["id"])
    menu_events = [verified(r)["data"] for r in hooked.requests if verified(r)["type"] == "menu.updated"]
    assert [e["item_ids"] for e in menu_events] == [[demo["bruschetta"].pk]]
