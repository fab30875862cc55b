""" "Order my usual" / "the same as last time": a past order rebuilt at today's prices."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.customers.models import Customer
from apps.menu.models import MenuItem
from apps.ordering.models import Cart, Order
from tests.conftest import error_code, new_cart, option_id, place

pytestmark = pytest.mark.django_db


def order_for(api, customer: Customer, key: str, *lines) -> dict:
    cart = new_cart(api, *lines)
    Cart.objects.filter(pk=cart["id"]).update(customer=customer)
    response = place(api, cart["id"], key=key, customer=customer.public_id)
    assert response.status_code == 201, response.json()
    return response.json()


def reorder(api, cart_id: int, customer: Customer, which: str = "last"):
    return api.post(
        f"/api/carts/{cart_id}/reorder/", {"customer": customer.public_id, "which": which}, format="json"
    )


@pytest.fixture
def guest() -> Customer:
    return Customer.objects.create(name="Ada Lovelace", email="ada@example.com", phone="+31612345678")


def test_same_as_last_time_uses_todays_prices_and_options(api, demo, guest):
    pizza = demo["margherita-pizza"]
    order_for(api, guest, "k1", (pizza, 2, [option_id(pizza, "large")]), (demo["bruschetta"], 1, []))
    MenuItem.objects.filter(pk=pizza.pk).update(price=Decimal("12.50"))  # the price went up since

    cart = new_cart(api)
    response = reorder(api, cart["id"], guest)
    assert response.status_code == 200, response.json()
    body = response.json()
    lines = {
        (line["item"]["name"], line["quantity"], tuple(o["name"] for o in line["options"])): line
        for line in body["lines"]
    }
    assert set(lines) == {("Margherita Pizza", 2, ("large",)), ("Bruschetta", 1, ())}
    assert lines[("Margherita Pizza", 2, ("large",))]["unit_price"] == "15.50"  # 12.50 + 3.00 large
    assert body["subtotal"] == "37.00"
    added = {a["name"]: a for a in body["reorder"]["added"]}
    assert added["Margherita Pizza"]["previous_unit_price"] == "14.50"
    assert body["reorder"]["skipped"] == []
    assert body["customer"] == guest.public_id  # the guest cart is now the account's


def test_unavailable_dish_is_skipped_with_a_reason_and_nothing_else_lost(api, demo, guest):
    order_for(api, guest, "k1", (demo["bruschetta"], 1, []), (demo["diavola-pizza"], 2, []))
    MenuItem.objects.filter(pk=demo["diavola-pizza"].pk).update(is_available=False)
    cart = new_cart(api)
    body = reorder(api, cart["id"], guest).json()
    assert [(line["item"]["name"], line["quantity"]) for line in body["lines"]] == [("Bruschetta", 1)]
    assert body["reorder"]["skipped"] == [
        {"name": "Diavola Pizza", "reason": "Sorry, Diavola Pizza isn't available right now."}
    ]


def test_usual_is_the_most_repeated_order_not_the_latest(api, demo, guest):
    pizza = demo["margherita-pizza"]
    order_for(api, guest, "k1", (pizza, 1, [option_id(pizza, "regular")]))
    order_for(api, guest, "k2", (pizza, 1, [option_id(pizza, "regular")]))
    order_for(api, guest, "k3", (demo["diavola-pizza"], 1, []))
    cart = new_cart(api)
    usual = reorder(api, cart["id"], guest, "usual").json()
    assert [line["item"]["name"] for line in usual["lines"]] == ["Margherita Pizza"]
    other = new_cart(api)
    last = reorder(api, other["id"], guest, "last").json()
    assert [line["item"]["name"] for line in last["lines"]] == ["Diavola Pizza"]


def test_cancelled_orders_are_not_history(api, demo, guest):
    placed = order_for(api, guest, "k1", (demo["bruschetta"], 1, []))
    Order.objects.filter(pk=placed["id"]).update(status="cancelled")
    cart = new_cart(api)
    response = reorder(api, cart["id"], guest)
    assert response.status_code == 404 and error_code(response) == "no_order_history"
    assert Cart.objects.get(pk=cart["id"]).lines.count() == 0


def test_someone_elses_cart_is_refused(api, demo, guest):
    order_for(api, guest, "k1", (demo["bruschetta"], 1, []))
    stranger = Customer.objects.create()
    cart = new_cart(api)
    Cart.objects.filter(pk=cart["id"]).update(customer=stranger)
    response = reorder(api, cart["id"], guest)
    assert response.status_code == 403 and error_code(response) == "forbidden"
    assert Cart.objects.get(pk=cart["id"]).lines.count() == 0


def test_requires_the_service_token(public, demo, guest):
    cart = Cart.objects.create()
    response = public.post(f"/api/carts/{cart.pk}/reorder/", {"customer": guest.public_id}, format="json")
    assert response.status_code in (401, 403)
