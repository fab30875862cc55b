"""The kitchen page tells staff, per order, whether it is paid and how (card online / at the counter)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from apps.ordering.models import Order
from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.conftest import new_cart, place

pytestmark = pytest.mark.django_db


def order_of(api, item, *, key: str, method: str) -> Order:
    response = place(api, new_cart(api, (item, 1, []))["id"], key=key, payment_method=method)
    assert response.status_code == 201, response.json()
    return Order.objects.get(pk=response.json()["id"])


def pay_online(client: Client, order: Order) -> None:
    """The provider's signed 'succeeded' callback, as it arrives after the guest paid."""
    body, headers = SandboxProvider().build_callback(order.payment.intent_id, "succeeded")
    response = client.post(
        "/api/payments/webhook/sandbox/",
        data=body,
        content_type="application/json",
        headers={k: v for k, v in headers.items() if k != "content-type"},
    )
    assert response.status_code < 300, response.content
    assert Payment.objects.get(order=order).status == Payment.Status.SUCCEEDED


def card_text(page: str, number: str) -> str:
    match = re.search(r'<article[^>]*data-order-number="' + re.escape(number) + r'".*?</article>', page, re.S)
    assert match, f"order {number} is not on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(0)))


def test_kitchen_page_shows_paid_online_and_unpaid_counter_orders(staff, api, demo, client):
    paid = order_of(api, demo["margherita-pizza"], key="paid", method="card_online")
    waiting = order_of(api, demo["diavola-pizza"], key="waiting", method="card_online")
    counter = order_of(api, demo["diavola-pizza"], key="counter", method="pay_at_counter")
    pay_online(client, paid)

    page = staff.get("/kitchen/").content.decode()
    assert "Paid (card online)" in card_text(page, paid.number)
    assert "Unpaid (card online, awaiting payment)" in card_text(page, waiting.number)
    assert "Unpaid (pay at counter)" in card_text(page, counter.number)
    assert "Paid (" not in card_text(page, counter.number)

    # The live view (re-rendered every 2 s from orders.json) says the same.
    cards = {o["number"]: o["payment"] for o in staff.get("/kitchen/orders.json").json()["orders"]}
    assert cards[paid.number] == {
        "paid": True,
        "method": "card_online",
        "status": "succeeded",
        "label": "Paid (card online)",
    }
    assert cards[counter.number]["paid"] is False and cards[counter.number]["method"] == "pay_at_counter"
    assert cards[counter.number]["label"] == "Unpaid (pay at counter)"
