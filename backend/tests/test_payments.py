from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import httpx
import pytest
from django.conf import settings as django_settings
from standardwebhooks import Webhook

from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.conftest import TOKEN, error_code, new_cart, place

WEBHOOK = "/api/payments/webhook/sandbox/"


def pay_page_action(client: httpx.Client, url: str, action: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    assert "Pay (sandbox)" in page.text and "Decline" in page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    result = client.post(url, data={"csrfmiddlewaretoken": token, "action": action}, follow_redirects=True)
    assert result.status_code == 200
    return result.text


@pytest.mark.django_db(transaction=True)
def test_sandbox_payment_end_to_end(live_server, settings, demo):
    settings.PUBLIC_BASE_URL = live_server.url
    settings.PAYMENTS_SANDBOX_WEBHOOK_URL = live_server.url + WEBHOOK
    with httpx.Client(
        base_url=live_server.url, timeout=20, headers={"Authorization": f"Token {TOKEN}"}
    ) as assistant:
        cart = assistant.post("/api/carts/", json={"channel": "rest"}).json()
        assistant.post(
            f"/api/carts/{cart['id']}/items/", json={"item": demo["diavola-pizza"].pk, "quantity": 2}
        )
        order = assistant.post(
            "/api/orders/",
            headers={"Idempotency-Key": "pay-1"},
            json={"cart": cart["id"], "fulfilment": "pickup", "payment_method": "card_online"},
        ).json()
    checkout_url = order["payment"]["checkout_url"]
    assert checkout_url.startswith(live_server.url + "/pay/pi_")
    with httpx.Client(timeout=20) as guest:  # the guest's browser, with its own cookies
        declined = pay_page_action(guest, checkout_url, "decline")
        assert "Payment status: <strong>failed</strong>" in declined
        paid = pay_page_action(guest, checkout_url, "pay")
        assert "Payment status: <strong>succeeded</strong>" in paid
        assert "Thank you" in paid
    with httpx.Client(base_url=live_server.url, headers={"Authorization": f"Token {TOKEN}"}) as assistant:
        payment = assistant.get(f"/api/orders/{order['id']}/").json()["payment"]
    assert payment["status"] == "succeeded"
    assert list(Payment.objects.get().events.values_list("outcome", flat=True)) == ["failed", "succeeded"]


def _pending_payment(api, demo) -> Payment:
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()
    return Payment.objects.get(order_id=order["id"])


@pytest.mark.django_db
def test_signed_webhook_marks_payment_and_replays_change_nothing(api, public, demo):
    payment = _pending_payment(api, demo)
    body, headers = SandboxProvider().build_callback(payment.intent_id, "succeeded")
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "content-type"}
    for _ in range(2):
        response = public.post(WEBHOOK, body, content_type="application/json", **extra)
        assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == "succeeded" and payment.events.count() == 1


@pytest.mark.django_db
def test_webhook_with_bad_or_stale_signature_is_rejected(public, api, demo):
    payment = _pending_payment(api, demo)
    body, headers = SandboxProvider().build_callback(payment.intent_id, "succeeded")
    tampered = body.replace(b"succeeded", b"failed")
    wrong_key = Webhook("whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=")
    old = datetime.now(tz=dt_timezone.utc) - timedelta(minutes=10)
    stale_headers = {
        **headers,
        "webhook-timestamp": str(int(old.timestamp())),
        "webhook-signature": Webhook(django_settings.PAYMENTS_SANDBOX_SECRET).sign(
            headers["webhook-id"], old, body.decode()
        ),
    }
    cases = [
        (tampered, headers),
        (
            body,
            {
                **headers,
                "webhook-signature": wrong_key.sign(
                    headers["webhook-id"], datetime.now(tz=dt_timezone.utc), body.decode()
                ),
            },
        ),
        (body, stale_headers),
        (body, {"content-type": "application/json"}),
    ]
    for raw, hdrs in cases:
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in hdrs.items() if k != "content-type"}
        response = public.post(WEBHOOK, raw, content_type="application/json", **extra)
        assert response.status_code == 401 and error_code(response) == "invalid_signature"
    payment.refresh_from_db()
    assert payment.status == "pending"


@pytest.mark.django_db
def test_unknown_provider_and_unknown_intent_page(public):
    response = public.post("/api/payments/webhook/paypal/", json.dumps({}), content_type="application/json")
    assert response.status_code == 404 and error_code(response) == "not_found"
    assert public.get("/pay/pi_doesnotexist/").status_code == 404
