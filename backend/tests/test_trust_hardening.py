"""Trust hardening: order status only for its own conversation or customer, details links that
expire, and a payment that arrives after a cancel refunded at once."""
from __future__ import annotations

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from apps.customers.models import Customer
from apps.ordering.models import Order
from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.conftest import new_cart, place

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
        assert api.post(f"/api/orders/{order['id']}/status/", {"status": "rejected"},
                        format="json").status_code == 200
    payment.refresh_from_db()
    assert payment.status == "cancelled"

    body, headers = SandboxProvider().build_callback(payment.intent_id, "succeeded")
    with mock.patch.object(SandboxProvider, "refund", autospec=True) as refund:
        for _ in range(2):  # a replay refunds nothing twice
            response = public.post(WEBHOOK, body, content_type="application/json", **_webhook_headers(headers))
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
