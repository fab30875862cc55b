from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.customers.models import Customer
from apps.menu.models import MenuItem
from apps.notifications.models import Notification
from apps.ordering.models import Order
from tests.conftest import TOKEN, error_code, new_cart, place

pytestmark = pytest.mark.django_db
AMS = ZoneInfo("Europe/Amsterdam")


def next_weekday_at(weekday: int, hour: int) -> datetime:
    today = datetime.now(AMS).date() + timedelta(days=1)
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=AMS)


def stock(slug: str) -> int | None:
    return MenuItem.objects.get(slug=slug).stock


def test_pickup_order_placed_from_cart(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 2, []), (demo["bruschetta"], 1, []))
    response = place(api, cart["id"])
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["status"] == "placed" and order["fulfilment"] == "pickup"
    assert order["number"] and order["postcode"] is None and order["requested_time"] is None
    assert order["subtotal"] == "29.00" and order["delivery_fee"] == "0.00" and order["total"] == "29.00"
    assert [(line["item"]["name"], line["quantity"], line["line_total"]) for line in order["lines"]] == [
        ("Margherita Pizza", 2, "23.00"),
        ("Bruschetta", 1, "6.00"),
    ]
    assert order["payment"]["method"] == "card_online" and order["payment"]["status"] == "pending"
    assert order["payment"]["checkout_url"].startswith("http://127.0.0.1:8000/pay/pi_")
    assert order["details_url"].startswith("http://127.0.0.1:8000/checkout/")
    assert order["cancellable_until"] > order["created_at"]
    assert stock("margherita-pizza") == 38 and stock("bruschetta") == 1
    assert api.get(f"/api/carts/{cart['id']}/").json()["status"] == "ordered"


def test_pay_at_counter_has_no_checkout_url(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 1, []))
    payment = place(api, cart["id"], payment_method="pay_at_counter").json()["payment"]
    assert payment == {"method": "pay_at_counter", "status": "pending", "checkout_url": None}


def test_same_idempotency_key_returns_the_same_order(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 1, []))
    first = place(api, cart["id"], key="same")
    second = place(api, cart["id"], key="same")
    assert first.status_code == 201 and second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert Order.objects.count() == 1 and stock("margherita-pizza") == 39


def test_reused_key_with_different_request_is_refused(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 1, []))
    place(api, cart["id"], key="k")
    response = place(api, cart["id"], key="k", payment_method="pay_at_counter")
    assert response.status_code == 422 and error_code(response) == "idempotency_key_reused"


def test_idempotency_key_is_required(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 1, []))
    response = api.post(
        "/api/orders/",
        {"cart": cart["id"], "fulfilment": "pickup", "payment_method": "card_online"},
        format="json",
    )
    assert response.status_code == 400 and error_code(response) == "idempotency_key_required"
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_with_one_key_make_exactly_one_order(demo):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {TOKEN}")
    cart = new_cart(client, (demo["bruschetta"], 2, []))
    barrier = threading.Barrier(4)
    results: list[tuple[int, int]] = []

    def create() -> None:
        own = APIClient()
        own.credentials(HTTP_AUTHORIZATION=f"Token {TOKEN}")
        barrier.wait()
        try:
            response = place(own, cart["id"], key="race")
            results.append((response.status_code, response.json()["id"]))
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(code for code, _ in results) == [200, 200, 200, 201]
    assert len({order_id for _, order_id in results}) == 1
    assert Order.objects.count() == 1 and stock("bruschetta") == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_orders_cannot_oversell(demo):
    """Two guests race for the last 2 bruschette with different carts: exactly one wins."""
    clients = []
    for _ in range(2):
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {TOKEN}")
        clients.append((c, new_cart(c, (demo["bruschetta"], 2, []))))
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def create(i: int) -> None:
        client, cart = clients[i]
        barrier.wait()
        try:
            codes.append(place(client, cart["id"], key=f"guest-{i}").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(codes) == [201, 409]
    assert stock("bruschetta") == 0 and Order.objects.count() == 1


def test_order_that_would_oversell_is_refused_and_changes_nothing(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 1, []), (demo["bruschetta"], 2, []))
    MenuItem.objects.filter(slug="bruschetta").update(stock=1)  # someone else bought one
    response = place(api, cart["id"])
    assert response.status_code == 409 and error_code(response) == "out_of_stock"
    assert stock("margherita-pizza") == 40 and stock("bruschetta") == 1
    assert Order.objects.count() == 0
    assert api.get(f"/api/carts/{cart['id']}/").json()["status"] == "open"


def test_item_switched_off_after_adding_is_refused(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 1, []))
    MenuItem.objects.filter(slug="diavola-pizza").update(is_available=False)
    response = place(api, cart["id"])
    assert response.status_code == 409 and error_code(response) == "item_unavailable"


def test_delivery_adds_zone_fee(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 2, []))
    response = place(api, cart["id"], fulfilment="delivery", postcode="1012 ab")
    assert response.status_code == 201, response.json()
    order = response.json()
    assert order["delivery_fee"] == "2.50" and order["total"] == "25.50"
    assert order["postcode"] == "1012 ab"


@pytest.mark.parametrize(
    "overrides,code",
    [
        ({"fulfilment": "delivery", "postcode": "9999"}, "outside_delivery_zone"),
        ({"fulfilment": "delivery", "postcode": "1051"}, "below_minimum_order"),  # zone falls back to 20.00
        ({"fulfilment": "delivery"}, "validation_error"),
        ({"fulfilment": "teleport"}, "validation_error"),
        ({"payment_method": "bitcoin"}, "validation_error"),
    ],
)
def test_refused_orders_change_nothing(api, demo, overrides, code):
    cart = new_cart(api, (demo["margherita-pizza"], 1, []), (demo["bruschetta"], 1, []))  # 17.50
    response = place(api, cart["id"], **overrides)
    assert response.status_code == 400 and error_code(response) == code
    assert Order.objects.count() == 0 and stock("margherita-pizza") == 40
    assert api.get(f"/api/carts/{cart['id']}/").json()["status"] == "open"


def test_below_zone_minimum(api, demo):
    cart = new_cart(api, (demo["bruschetta"], 2, []))  # 12.00 < 15.00
    response = place(api, cart["id"], fulfilment="delivery", postcode="1011")
    assert error_code(response) == "below_minimum_order"
    assert response.json()["error"]["details"]["minimum_order"] == "15.00"


def test_requested_time_must_be_within_opening_hours(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 1, []))
    sunday = next_weekday_at(6, 19)
    response = place(api, cart["id"], requested_time=sunday.isoformat())
    assert response.status_code == 400 and error_code(response) == "closed_at_requested_time"
    saturday_late = next_weekday_at(6, 0)  # Sunday 00:00 is still Saturday's 12:00-01:00
    ok = place(api, cart["id"], key="late", requested_time=saturday_late.isoformat())
    assert ok.status_code == 201, ok.json()
    assert ok.json()["requested_time"]


def test_requested_time_in_the_past_is_refused(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 1, []))
    response = place(api, cart["id"], requested_time=(timezone.now() - timedelta(hours=1)).isoformat())
    assert error_code(response) == "validation_error"


def test_empty_cart_and_unknown_cart(api, demo):
    cart = new_cart(api)
    response = place(api, cart["id"])
    assert response.status_code == 400 and error_code(response) == "cart_empty"
    response = place(api, 99999, key="other")
    assert response.status_code == 404 and error_code(response) == "cart_not_found"


def test_lookup_by_id_and_number(api, demo):
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()
    assert api.get(f"/api/orders/{order['id']}/").json() == order
    assert api.get(f"/api/orders/by-number/{order['number']}/", {"conversation_id": "conv-1"}).json() == order
    for url in ("/api/orders/99999/", "/api/orders/by-number/nope/?conversation_id=conv-1"):
        response = api.get(url)
        assert response.status_code == 404 and error_code(response) == "order_not_found"


def test_cancel_within_window_restocks(api, demo):
    order = place(api, new_cart(api, (demo["bruschetta"], 2, []))["id"]).json()
    assert stock("bruschetta") == 0
    response = api.post(f"/api/orders/{order['id']}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["payment"]["status"] == "cancelled"
    assert stock("bruschetta") == 2
    again = api.post(f"/api/orders/{order['id']}/cancel/")
    assert again.status_code == 409 and error_code(again) == "invalid_status_transition"


def test_cancel_after_window_is_refused(api, demo):
    order = place(api, new_cart(api, (demo["bruschetta"], 1, []))["id"]).json()
    Order.objects.filter(pk=order["id"]).update(cancellable_until=timezone.now() - timedelta(seconds=1))
    response = api.post(f"/api/orders/{order['id']}/cancel/")
    assert response.status_code == 409 and error_code(response) == "cancellation_window_passed"
    assert api.get(f"/api/orders/{order['id']}/").json()["status"] == "placed"
    assert stock("bruschetta") == 1
    assert error_code(api.post("/api/orders/99999/cancel/")) == "order_not_found"


def set_status(api: Any, order_id: int, status: str) -> Any:
    return api.post(f"/api/orders/{order_id}/status/", {"status": status}, format="json")


def test_lifecycle_pickup_and_delivery(api, demo, django_capture_on_commit_callbacks):
    pickup = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], key="a").json()
    for status in ("confirmed", "preparing", "ready", "completed"):
        response = set_status(api, pickup["id"], status)
        assert response.status_code == 200 and response.json()["status"] == status
    guest = Customer.objects.create(email="ada@example.com", notify_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = place(
            api,
            new_cart(api, (demo["diavola-pizza"], 2, []))["id"],
            key="b",
            fulfilment="delivery",
            postcode="1011",
            customer=guest.public_id,
        ).json()
        for status in ("confirmed", "preparing", "out_for_delivery", "completed"):
            assert set_status(api, delivery["id"], status).json()["status"] == status
    events = list(
        Notification.objects.filter(order_id=delivery["id"]).order_by("id").values_list("event", "status")
    )
    assert events == [
        ("order.placed", "sent"),
        ("order.confirmed", "sent"),
        ("order.preparing", "sent"),
        ("order.out_for_delivery", "sent"),
        ("order.completed", "sent"),
    ]


@pytest.mark.parametrize(
    "path,status",
    [
        (["confirmed", "preparing", "ready", "completed"], "placed"),
        (["ready"], "placed"),
        (["out_for_delivery"], "preparing"),  # pickup orders never go out for delivery
        (["completed"], "confirmed"),
    ],
)
def test_invalid_transitions(api, demo, path, status):
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()
    if path[-1] == "completed" and status == "placed":
        for s in path:
            set_status(api, order["id"], s)
        response = set_status(api, order["id"], status)
    else:
        for s in {"preparing": ["confirmed", "preparing"], "confirmed": ["confirmed"]}.get(status, []):
            set_status(api, order["id"], s)
        response = set_status(api, order["id"], path[-1])
    assert response.status_code == 409 and error_code(response) == "invalid_status_transition"


def test_unknown_status_value(api, demo):
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()
    assert error_code(set_status(api, order["id"], "eaten")) == "validation_error"
    assert error_code(set_status(api, 99999, "confirmed")) == "order_not_found"


def test_guest_who_chose_email_gets_status_messages_by_email(api, demo, django_capture_on_commit_callbacks):
    guest = Customer.objects.create(email="ada@example.com", notify_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        order = place(
            api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], customer=guest.public_id
        ).json()
        set_status(api, order["id"], "confirmed")
    assert [m.to for m in mail.outbox] == [["ada@example.com"], ["ada@example.com"]]
    assert f"We received your order {order['number']}" in mail.outbox[0].body
    assert mail.outbox[1].body == f"Your order {order['number']} is confirmed."


def test_rejected_order_is_restocked_refunded_and_the_guest_told(
    api, demo, django_capture_on_commit_callbacks
):
    guest = Customer.objects.create(email="ada@example.com", notify_email=True)
    with django_capture_on_commit_callbacks(execute=True):
        order = place(api, new_cart(api, (demo["bruschetta"], 2, []))["id"], customer=guest.public_id).json()
        set_status(api, order["id"], "confirmed")
        response = set_status(api, order["id"], "rejected")
    assert response.status_code == 200 and response.json()["status"] == "rejected"
    assert response.json()["payment"]["status"] == "cancelled"  # pending card payment: never charged
    assert stock("bruschetta") == 2
    assert mail.outbox[-1].body == (
        f"Sorry, the kitchen couldn't accept your order {order['number']}. "
        "You have not been charged; please call us or order again."
    )
    assert error_code(set_status(api, order["id"], "confirmed")) == "invalid_status_transition"
