"""Trust hardening: order status only for its own conversation or customer, details links that
expire, and a payment that arrives after a cancel refunded at once."""

from __future__ import annotations

import re
from decimal import Decimal
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.customers.models import Customer
from apps.ordering.models import Order
from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.conftest import error_code, new_cart, place

WEBHOOK = "/api/payments/webhook/sandbox/"


def _order(api, demo, **overrides) -> dict:
    cart = new_cart(api, (demo["diavola-pizza"], 1, []))
    response = place(api, cart["id"], **overrides)
    assert response.status_code == 201, response.json()
    return response.json()


# -- (a) order status by number --------------------------------------------------------------------


@pytest.mark.django_db
def test_order_status_by_number_only_for_the_conversation_or_customer_that_placed_it(api, demo):
    order = _order(api, demo)  # placed from conversation "conv-1"
    number = order["number"]
    unknown = str(int(number) + 500)

    own = api.get(f"/api/orders/by-number/{number}/", {"conversation_id": "conv-1"})
    assert own.status_code == 200 and own.json()["status"] == "placed"

    stranger = api.get(f"/api/orders/by-number/{number}/", {"conversation_id": "someone-else"})
    nobody = api.get(f"/api/orders/by-number/{unknown}/", {"conversation_id": "someone-else"})
    assert stranger.status_code == nobody.status_code == 404
    # no enumeration: another guest's order reads exactly like a number that doesn't exist
    assert stranger.json()["error"]["code"] == nobody.json()["error"]["code"] == "order_not_found"
    assert stranger.json()["error"]["message"] == nobody.json()["error"]["message"]
    assert "status" not in stranger.content.decode()


@pytest.mark.django_db
def test_order_status_by_number_for_the_signed_in_customer_from_another_conversation(api, demo):
    owner = Customer.objects.create(name="Owner")
    other = Customer.objects.create(name="Other")
    order = _order(api, demo, customer=owner.public_id)
    url = f"/api/orders/by-number/{order['number']}/"

    mine = api.get(url, {"conversation_id": "new-chat", "customer": owner.public_id})
    assert mine.status_code == 200 and mine.json()["number"] == order["number"]
    theirs = api.get(url, {"conversation_id": "new-chat", "customer": other.public_id})
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "order_not_found"


@pytest.mark.django_db
def test_the_service_token_must_say_whose_order_it_looks_up(api, demo):
    order = _order(api, demo)
    url = f"/api/orders/by-number/{order['number']}/"
    for bare in ({}, {"conversation_id": ""}, {"customer": "  "}):
        refused = api.get(url, bare)
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "scope_required"
        assert "status" not in refused.content.decode()
    staff = Client()
    staff.force_login(get_user_model().objects.create_user("chef", password="pw-chef-123", is_staff=True))
    assert staff.get(url).json()["number"] == order["number"]  # the kitchen looks any order up


# -- identity: the order is the account's proven at the yes ----------------------------------------


@pytest.mark.django_db
def test_a_cart_linked_while_signed_in_is_a_guests_order_when_the_yes_carries_no_account(api, demo):
    owner = Customer.objects.create(
        name="Ada", email="ada@example.com", address="Canal 1", postcode="1012 AB"
    )
    cart = api.post(
        "/api/carts/",
        {"channel": "rest", "conversation_id": "conv-1", "customer": owner.public_id},
        format="json",
    ).json()
    api.post(f"/api/carts/{cart['id']}/items/", {"item": demo["bruschetta"].pk, "quantity": 1}, format="json")
    placed = place(api, cart["id"], key="k-guest")  # the token expired: the action names no customer
    assert placed.status_code == 201
    order = Order.objects.get(pk=placed.json()["id"])
    assert order.customer is None and order.delivery_address == ""
    assert not Order.objects.filter(customer=owner).exists()


# -- the total the guest confirmed -----------------------------------------------------------------


@pytest.mark.django_db
def test_an_order_is_placed_only_at_the_total_the_guest_confirmed(api, demo):
    item = demo["bruschetta"]
    cart = new_cart(api, (item, 2, []))
    confirmed = cart["total"]
    stock_before = item.stock
    item.price += Decimal("1.00")  # staff raise the price between the summary and the "yes"
    item.save()

    refused = place(api, cart["id"], key="k-total", expected_total=confirmed)
    assert refused.status_code == 409 and error_code(refused) == "total_changed"
    assert refused.json()["error"]["details"] == {
        "expected_total": confirmed,
        "total": f"{Decimal(confirmed) + Decimal('2.00'):.2f}",
    }
    assert not Order.objects.exists()
    item.refresh_from_db()
    assert item.stock == stock_before  # nothing taken

    new_total = api.get(f"/api/carts/{cart['id']}/").json()["total"]  # shown to the guest, who says yes again
    placed = place(api, cart["id"], key="k-total-2", expected_total=new_total)
    assert placed.status_code == 201 and placed.json()["total"] == new_total


@pytest.mark.django_db
def test_a_replayed_yes_for_another_total_is_not_the_same_request(api, demo):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    assert place(api, cart["id"], key="k-same", expected_total=cart["total"]).status_code == 201
    other = place(api, cart["id"], key="k-same", expected_total="0.01")
    assert other.status_code == 422 and error_code(other) == "idempotency_key_reused"


# -- (b) the contact-details link expires ----------------------------------------------------------


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


@pytest.mark.django_db
def test_details_link_works_then_expires_with_a_friendly_page(api, demo, settings):
    settings.CHECKOUT_DETAILS_LINK_MAX_AGE_SECONDS = 24 * 3600
    order = _order(api, demo)
    path = _path(order["details_url"])
    assert Client().get(path).status_code == 200

    from django.core import signing

    later = signing.time.time() + 24 * 3600 + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        expired = Client().get(path)
        posted = Client().post(path, {"name": "Eve", "phone": "+3531234567"})
    assert expired.status_code == 410
    assert "expired" in expired.content.decode().lower()
    assert "Your name" not in expired.content.decode()  # no form on an expired link
    assert posted.status_code == 410
    assert Order.objects.get(pk=order["id"]).customer is None  # nothing was saved


@pytest.mark.django_db
def test_the_bare_order_token_is_not_a_details_link(api, demo):
    order = _order(api, demo)
    bare = Order.objects.get(pk=order["id"]).details_token
    assert Client().get(f"/checkout/{bare}/").status_code == 404


# -- (e) a payment success after a cancel ----------------------------------------------------------


def _webhook_headers(headers: dict[str, str]) -> dict[str, str]:
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "content-type"}


@pytest.mark.django_db
@pytest.mark.parametrize("closing", ["cancel", "reject"])
def test_payment_success_after_cancel_or_reject_is_refunded_at_once(api, public, demo, closing):
    order = _order(api, demo)
    payment = Payment.objects.get(order_id=order["id"])
    if closing == "cancel":
        assert api.post(f"/api/orders/{order['id']}/cancel/").status_code == 200
    else:
        assert (
            api.post(f"/api/orders/{order['id']}/status/", {"status": "rejected"}, format="json").status_code
            == 200
        )
    payment.refresh_from_db()
    assert payment.status == "cancelled"

    body, headers = SandboxProvider().build_callback(payment.intent_id, "succeeded")
    with mock.patch.object(SandboxProvider, "refund", autospec=True) as refund:
        for _ in range(2):  # a replay refunds nothing twice
            response = public.post(
                WEBHOOK, body, content_type="application/json", **_webhook_headers(headers)
            )
            assert response.status_code == 200
    assert refund.call_count == 1
    assert refund.call_args.args[1].pk == payment.pk

    payment.refresh_from_db()
    assert payment.status == "refunded"
    assert api.get(f"/api/orders/{order['id']}/").json()["payment"]["status"] == "refunded"
    outcomes = list(payment.events.order_by("pk").values_list("outcome", flat=True))
    assert outcomes == ["succeeded", "late_refunded"]

    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "pw-123456789")
    admin = Client()
    admin.force_login(staff)
    page = admin.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert "late_refunded" in page and "refunded" in page
