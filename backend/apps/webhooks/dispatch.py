"""Signed outgoing webhooks (Standard Webhooks), sent after commit, retried with backoff."""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import datetime
from datetime import timezone as dt_timezone
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from standardwebhooks import Webhook
from tenacity import RetryError, Retrying, stop_after_attempt, wait_exponential

from apps.common.tasks import submit
from apps.webhooks.models import WebhookAttempt, WebhookDelivery

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    pass


def sign_headers(secret: str, message_id: str, body: str, now: datetime | None = None) -> dict[str, str]:
    """Standard Webhooks headers: HMAC-SHA256 over `id.timestamp.body`."""
    now = now or datetime.now(tz=dt_timezone.utc)
    signature = Webhook(secret).sign(message_id, now, body)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


def emit_event(event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Record one delivery per configured URL; deliver them once the transaction commits."""
    deliveries = []
    message_id = f"msg_{uuid.uuid4().hex}"
    payload = {"type": event_type, "timestamp": timezone.now().isoformat(), "data": data}
    for url in settings.WEBHOOK_URLS:
        delivery = WebhookDelivery.objects.create(
            message_id=message_id, event_type=event_type, url=url, payload=payload
        )
        deliveries.append(delivery)
        transaction.on_commit(lambda pk=delivery.pk: submit(deliver, pk))
    return deliveries


def _attempt(delivery: WebhookDelivery, body: str) -> None:
    WebhookDelivery.objects.filter(pk=delivery.pk).update(attempt_count=F("attempt_count") + 1)
    delivery.refresh_from_db(fields=["attempt_count"])
    number = delivery.attempt_count
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        response = httpx.post(
            delivery.url,
            content=body.encode(),
            headers=sign_headers(settings.WEBHOOK_SECRET, delivery.message_id, body),
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
        )
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"HTTP {status_code}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=number,
        status_code=status_code,
        error=error,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    if error:
        raise DeliveryFailed(error)


def deliver(delivery_id: int) -> WebhookDelivery:
    """Try to deliver, with exponential backoff, until success or WEBHOOK_MAX_ATTEMPTS."""
    delivery = WebhookDelivery.objects.get(pk=delivery_id)
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True)
    retrying = Retrying(
        stop=stop_after_attempt(settings.WEBHOOK_MAX_ATTEMPTS),
        wait=wait_exponential(
            multiplier=settings.WEBHOOK_BACKOFF_SECONDS, max=settings.WEBHOOK_BACKOFF_MAX_SECONDS
        ),
    )
    try:
        retrying(_attempt, delivery, body)
    except RetryError:
        delivery.status = WebhookDelivery.Status.FAILED
        logger.warning("webhook %s to %s failed after retries", delivery.message_id, delivery.url)
    else:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = timezone.now()
    delivery.save(update_fields=["status", "delivered_at"])
    return delivery
