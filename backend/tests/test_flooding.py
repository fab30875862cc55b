"""Order flooding: caps on what one conversation (or customer) may hold at once, and the assistant's
requests throttled per conversation instead of in one bucket shared by every guest."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.customers.models import Customer
from apps.menu.models import MenuItem
from tests.conftest import error_code, place

RATES = {"anon": "120/min", "service": "3000/min", "conversation": "300/min"}


def cart_in(api: APIClient, conversation: str, item: MenuItem | None = None, **extra: Any) -> Any:
    response = api.post(
        "/api/carts/", {"channel": "rest", "conversation_id": conversation, **extra}, format="json"
    )
    if item is not None and response.status_code == 201:
        added = api.post(
            f"/api/carts/{response.json()['id']}/items/", {"item": item.pk, "quantity": 1}, format="json"
        )
        assert added.status_code == 201, added.json()
    return response


def stock(item: MenuItem) -> int | None:
    item.refresh_from_db(fields=["stock"])
    return item.stock


# -- caps ------------------------------------------------------------------------------------------


def test_a_conversation_may_hold_three_open_carts_and_no_more(api, demo):
    assert [cart_in(api, "flood-a").status_code for _ in range(3)] == [201, 201, 201]
    refused = cart_in(api, "flood-a")
    assert refused.status_code == 409 and error_code(refused) == "too_many_open_carts"
    assert refused.json()["error"]["details"] == {"limit": 3}
    assert cart_in(api, "flood-b").status_code == 201  # another guest is not affected


def test_an_ordered_cart_no_longer_counts_as_open(api, demo):
    first = cart_in(api, "flood-c", demo["bruschetta"]).json()
    cart_in(api, "flood-c"), cart_in(api, "flood-c")
    assert place(api, first["id"], key="c1", conversation_id="flood-c").status_code == 201
    assert cart_in(api, "flood-c").status_code == 201


def test_a_customer_may_not_open_carts_past_the_cap_from_new_conversations(api, demo):
    guest = Customer.objects.create(email="ada@example.com")
    codes = [cart_in(api, f"conv-{n}", customer=guest.public_id).status_code for n in range(4)]
    assert codes == [201, 201, 201, 409]


def test_the_open_cart_cap_comes_from_settings(api, demo, settings):
    settings.MAX_OPEN_CARTS_PER_CONVERSATION = 1
    assert [cart_in(api, "flood-d").status_code for _ in range(2)] == [201, 409]
    settings.MAX_OPEN_CARTS_PER_CONVERSATION = 0  # no cap
    assert cart_in(api, "flood-d").status_code == 201


def test_a_fourth_unpaid_pay_at_counter_order_is_refused_and_takes_no_stock(api, demo):
    item = demo["margherita-pizza"]
    for n in range(3):
        cart = cart_in(api, "flood-e", item).json()
        placed = place(
            api, cart["id"], key=f"e{n}", payment_method="pay_at_counter", conversation_id="flood-e"
        )
        assert placed.status_code == 201, placed.json()
    cart = cart_in(api, "flood-e", item).json()
    before = stock(item)
    refused = place(api, cart["id"], key="e3", payment_method="pay_at_counter", conversation_id="flood-e")
    assert refused.status_code == 409 and error_code(refused) == "too_many_unpaid_orders"
    assert "paid at the counter" in refused.json()["error"]["message"]
    assert stock(item) == before
    assert api.get(f"/api/carts/{cart['id']}/").json()["status"] == "open"  # the cart is kept
    # paying by card is still possible, and another guest can still pay at the counter
    assert (
        place(api, cart["id"], key="e4", payment_method="card_online", conversation_id="flood-e").status_code
        == 201
    )
    other = cart_in(api, "flood-f", item).json()
    assert (
        place(
            api, other["id"], key="f0", payment_method="pay_at_counter", conversation_id="flood-f"
        ).status_code
        == 201
    )


def test_a_collected_or_cancelled_order_frees_a_place(api, demo):
    item = demo["margherita-pizza"]
    orders = []
    for n in range(3):
        cart = cart_in(api, "flood-g", item).json()
        orders.append(
            place(
                api, cart["id"], key=f"g{n}", payment_method="pay_at_counter", conversation_id="flood-g"
            ).json()
        )
    cart = cart_in(api, "flood-g", item).json()
    assert (
        place(
            api, cart["id"], key="g3", payment_method="pay_at_counter", conversation_id="flood-g"
        ).status_code
        == 409
    )
    assert api.post(f"/api/orders/{orders[0]['id']}/cancel/", format="json").status_code == 200
    assert (
        place(
            api, cart["id"], key="g3", payment_method="pay_at_counter", conversation_id="flood-g"
        ).status_code
        == 201
    )


def test_unpaid_orders_count_per_customer_across_conversations(api, demo):
    guest = Customer.objects.create(email="bo@example.com")
    item = demo["margherita-pizza"]
    for n in range(3):
        cart = cart_in(api, f"conv-h{n}", item).json()
        assert (
            place(
                api,
                cart["id"],
                key=f"h{n}",
                payment_method="pay_at_counter",
                conversation_id=f"conv-h{n}",
                customer=guest.public_id,
            ).status_code
            == 201
        )
    cart = cart_in(api, "conv-h9", item).json()
    refused = place(
        api,
        cart["id"],
        key="h9",
        payment_method="pay_at_counter",
        conversation_id="conv-h9",
        customer=guest.public_id,
    )
    assert refused.status_code == 409 and error_code(refused) == "too_many_unpaid_orders"


def test_a_replayed_order_is_answered_even_at_the_cap(api, demo):
    item = demo["margherita-pizza"]
    for n in range(3):
        cart = cart_in(api, "flood-i", item).json()
        last = place(api, cart["id"], key=f"i{n}", payment_method="pay_at_counter", conversation_id="flood-i")
    again = place(api, cart["id"], key="i2", payment_method="pay_at_counter", conversation_id="flood-i")
    assert again.status_code in (200, 201) and again.json()["id"] == last.json()["id"]


# -- throttling per conversation -------------------------------------------------------------------


def test_one_conversation_is_throttled_without_slowing_down_the_others(api, demo, settings):
    settings.THROTTLE_RATES = {**RATES, "conversation": "3/min"}
    cart = cart_in(api, "busy-guest").json()  # 1
    assert api.get(f"/api/carts/{cart['id']}/").status_code == 200  # 2: the cart's conversation
    added = api.post(
        f"/api/carts/{cart['id']}/items/", {"item": demo["bruschetta"].pk, "quantity": 1}, format="json"
    )
    assert added.status_code == 201  # 3
    throttled = api.get(f"/api/carts/{cart['id']}/")
    assert throttled.status_code == 429 and error_code(throttled) == "throttled"
    assert int(throttled["Retry-After"]) > 0
    assert cart_in(api, "busy-guest").status_code == 429  # same conversation, by its body
    # other guests and requests for no conversation go on
    other = cart_in(api, "calm-guest")
    assert other.status_code == 201
    assert api.get(f"/api/carts/{other.json()['id']}/").status_code == 200
    assert all(api.get("/api/menu/items/").status_code == 200 for _ in range(5))


def test_the_conversation_header_keys_the_bucket(api, demo, settings):
    settings.THROTTLE_RATES = {**RATES, "conversation": "2/min"}
    codes = [
        api.get("/api/menu/version/", HTTP_X_CONVERSATION_ID="header-guest").status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]
    assert api.get("/api/menu/version/", HTTP_X_CONVERSATION_ID="another-guest").status_code == 200
    assert api.get("/api/menu/version/").status_code == 200


def test_orders_are_throttled_in_their_conversations_bucket(api, demo, settings):
    settings.THROTTLE_RATES = {**RATES, "conversation": "4/min"}
    cart = cart_in(api, "order-guest", demo["bruschetta"]).json()  # 2 requests
    order = place(api, cart["id"], key="o1", conversation_id="order-guest")  # 3
    assert order.status_code == 201
    assert api.get(f"/api/orders/{order.json()['id']}/").status_code == 200  # 4
    assert api.get(f"/api/orders/by-number/{order.json()['number']}/").status_code == 429


def test_without_a_conversation_rate_everything_shares_the_service_bucket(api, demo, settings):
    settings.THROTTLE_RATES = {"anon": "120/min", "service": "2/min"}
    assert [cart_in(api, f"guest-{n}").status_code for n in range(3)] == [201, 201, 429]


@pytest.mark.parametrize("body", ['{"conversation_id": ', "[1, 2]"])
def test_a_body_the_throttle_cannot_read_is_still_refused_by_the_view(api, demo, body):
    response = api.post("/api/carts/", body, content_type="application/json")
    assert response.status_code == 400
