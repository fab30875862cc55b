"""Built-in sandbox provider: hosted pay page on this backend, signed callbacks, no keys."""

from __future__ import annotations

import json
import logging
import secrets
import uuid
from datetime import datetime
from datetime import timezone as dt_timezone

import httpx
from django.conf import settings
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from apps.common.rotation import rotating_secret
from apps.payments.models import Payment
from apps.payments.providers import Intent, InvalidWebhook, WebhookEvent

logger = logging.getLogger(__name__)


class SandboxProvider:
    name = "sandbox"

    def create_intent(self, payment: Payment) -> Intent:
        intent_id = f"pi_{secrets.token_urlsafe(18)}"
        return Intent(intent_id, f"{settings.PUBLIC_BASE_URL}/pay/{intent_id}/")

    def build_callback(self, intent_id: str, outcome: str) -> tuple[bytes, dict[str, str]]:
        """The signed callback the sandbox 'provider' sends after the guest pays or declines."""
        body = json.dumps(
            {
                "id": f"evt_{uuid.uuid4().hex}",
                "type": f"payment_intent.{outcome}",
                "data": {"intent_id": intent_id},
            }
        )
        message_id = f"msg_{uuid.uuid4().hex}"
        now = datetime.now(tz=dt_timezone.utc)
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(settings.PAYMENTS_SANDBOX_SECRET).sign(message_id, now, body),
            "content-type": "application/json",
        }
        return body.encode(), headers

    def send_callback(self, intent_id: str, outcome: str) -> int:
        body, headers = self.build_callback(intent_id, outcome)
        response = httpx.post(
            settings.PAYMENTS_SANDBOX_WEBHOOK_URL, content=body, headers=headers, timeout=10
        )
        logger.info("sandbox callback %s for %s -> %s", outcome, intent_id, response.status_code)
        return response.status_code

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        try:
            data = self._verify(body, headers)
            outcome = data["type"].removeprefix("payment_intent.")
            if outcome not in ("succeeded", "failed"):
                raise ValueError(outcome)
            return WebhookEvent(str(data["id"]), str(data["data"]["intent_id"]), outcome)
        except (WebhookVerificationError, ValueError, KeyError, TypeError) as exc:
            raise InvalidWebhook(str(exc)) from exc

    @staticmethod
    def _verify(body: bytes, headers: dict[str, str]) -> dict:
        """The verified payload; during a rotation a callback signed with the previous secret passes too."""
        secrets_now = rotating_secret("PAYMENTS_SANDBOX_SECRET").accepted()
        if not secrets_now:
            raise WebhookVerificationError("No webhook secret configured")
        error: WebhookVerificationError | None = None
        for secret in secrets_now:
            try:
                return Webhook(secret).verify(body, headers)
            except WebhookVerificationError as exc:
                error = exc
        assert error is not None
        raise error

    def refund(self, payment: Payment) -> None:
        logger.info("sandbox refund of %s %s for %s", payment.amount, payment.currency, payment.intent_id)
