"""Rotating a secret without downtime: during the overlap window both the old and the new value are
accepted, after it only the new one; signing always uses the new one (apps/common/rotation.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from apps.common.rotation import RotatingSecret, parse_until, rotating_secret
from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.conftest import error_code, new_cart, place

BACKEND = Path(__file__).resolve().parents[1]
WEBHOOK = "/api/payments/webhook/sandbox/"
OLD_TOKEN, NEW_TOKEN = "old-service-token", "new-service-token"
OLD_WHSEC = "whsec_" + "b2xkLXNhbmRib3gtc2VjcmV0LTAxMjM0NTY3ODk="
NEW_WHSEC = "whsec_" + "bmV3LXNhbmRib3gtc2VjcmV0LTAxMjM0NTY3ODk="


def in_an_hour() -> str:
    return (datetime.now(tz=dt_timezone.utc) + timedelta(hours=1)).isoformat()


def an_hour_ago() -> str:
    return (datetime.now(tz=dt_timezone.utc) - timedelta(hours=1)).isoformat()


def test_previous_value_is_accepted_only_before_its_deadline():
    until = datetime(2026, 12, 1, 12, 0, tzinfo=dt_timezone.utc)
    secret = RotatingSecret("X", current="new", previous="old", previous_until=until)
    before, after = until - timedelta(seconds=1), until
    assert secret.matches("new", before) and secret.matches("old", before)
    assert secret.matches("new", after) and not secret.matches("old", after)
    assert not secret.matches("other", before)
    # no deadline: the previous value is never accepted (a forgotten _PREVIOUS does not linger)
    assert RotatingSecret("X", current="new", previous="old").accepted(before) == ["new"]
    assert (
        RotatingSecret("X", current="", previous="").accepted(before) == []
    )  # nothing matches an empty secret
    assert not RotatingSecret("X", current="").matches("", before)


def test_deadline_is_iso_8601_and_a_naive_one_means_utc():
    assert parse_until("X", "2026-12-01T12:00:00Z") == datetime(2026, 12, 1, 12, tzinfo=dt_timezone.utc)
    assert parse_until("X", "2026-12-01T13:00:00+01:00") == datetime(2026, 12, 1, 12, tzinfo=dt_timezone.utc)
    assert parse_until("X", "2026-12-01T12:00:00") == datetime(2026, 12, 1, 12, tzinfo=dt_timezone.utc)
    assert parse_until("X", "") is None
    with pytest.raises(ImproperlyConfigured):
        parse_until("X", "next tuesday")


def test_a_malformed_deadline_stops_the_backend_from_starting():
    env = {k: v for k, v in os.environ.items() if not k.endswith("_PREVIOUS_UNTIL")}
    env["DJANGO_SETTINGS_MODULE"] = "restaurant_backend.settings"
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BACKEND,
        env={**env, "BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL": "next tuesday"},
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0 and "BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL" in done.stderr


@pytest.mark.django_db
def test_service_token_old_and_new_work_in_the_window_and_only_new_after(public, demo, settings):
    settings.BACKEND_SERVICE_TOKEN = NEW_TOKEN
    settings.BACKEND_SERVICE_TOKEN_PREVIOUS = OLD_TOKEN

    def status(token: str) -> int:
        public.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        return public.post("/api/carts/", {}, format="json").status_code

    settings.BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL = in_an_hour()
    assert status(NEW_TOKEN) == 201 and status(OLD_TOKEN) == 201
    assert status("some-other-token") == 401

    settings.BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL = an_hour_ago()
    assert status(NEW_TOKEN) == 201
    public.credentials(HTTP_AUTHORIZATION=f"Token {OLD_TOKEN}")
    refused = public.post("/api/carts/", {}, format="json")
    assert refused.status_code == 401 and error_code(refused) == "not_authenticated"

    settings.BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL = ""  # rotation finished: _PREVIOUS without a deadline
    assert status(OLD_TOKEN) == 401 and status(NEW_TOKEN) == 201


def _post_callback(public, body: bytes, headers: dict[str, str]):
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "content-type"}
    return public.post(WEBHOOK, body, content_type="application/json", **extra)


def _signed_with(secret: str, payment: Payment, outcome: str) -> tuple[bytes, dict[str, str]]:
    """A callback as a sender still configured with `secret` would send it."""
    body, headers = SandboxProvider().build_callback(payment.intent_id, outcome)
    now = datetime.now(tz=dt_timezone.utc)
    headers = {
        **headers,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign(headers["webhook-id"], now, body.decode()),
    }
    return body, headers


@pytest.mark.django_db
def test_payment_callbacks_signed_with_the_old_secret_pass_only_within_the_window(
    api, public, demo, settings
):
    settings.PAYMENTS_SANDBOX_SECRET = NEW_WHSEC
    settings.PAYMENTS_SANDBOX_SECRET_PREVIOUS = OLD_WHSEC
    settings.PAYMENTS_SANDBOX_SECRET_PREVIOUS_UNTIL = an_hour_ago()

    # after the window: a late sender still on the old secret is refused, nothing changes
    first = Payment.objects.get(
        order_id=place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()["id"]
    )
    late = _post_callback(public, *_signed_with(OLD_WHSEC, first, "succeeded"))
    assert late.status_code == 401 and error_code(late) == "invalid_signature"
    first.refresh_from_db()
    assert first.status == "pending"

    # within the window: the old secret and the new one both pass
    settings.PAYMENTS_SANDBOX_SECRET_PREVIOUS_UNTIL = in_an_hour()
    assert _post_callback(public, *_signed_with(OLD_WHSEC, first, "succeeded")).status_code == 200
    second_order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], key="key-2").json()
    second = Payment.objects.get(order_id=second_order["id"])
    assert _post_callback(public, *_signed_with(NEW_WHSEC, second, "failed")).status_code == 200
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.status, second.status) == ("succeeded", "failed")


@pytest.mark.django_db
def test_the_sandbox_signs_with_the_current_secret_only(settings):
    settings.PAYMENTS_SANDBOX_SECRET = NEW_WHSEC
    settings.PAYMENTS_SANDBOX_SECRET_PREVIOUS = OLD_WHSEC
    settings.PAYMENTS_SANDBOX_SECRET_PREVIOUS_UNTIL = in_an_hour()
    body, headers = SandboxProvider().build_callback("pi_test", "succeeded")
    assert Webhook(NEW_WHSEC).verify(body, headers)["data"]["intent_id"] == "pi_test"
    with pytest.raises(WebhookVerificationError):
        Webhook(OLD_WHSEC).verify(body, headers)
    assert rotating_secret("PAYMENTS_SANDBOX_SECRET").accepted() == [NEW_WHSEC, OLD_WHSEC]
