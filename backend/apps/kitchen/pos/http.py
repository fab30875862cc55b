"""Send orders to a POS over HTTP, as Square CreateOrder requests signed with Standard Webhooks.

One call is one request; the caller (apps.kitchen.submissions) retries PosUnavailable with backoff.
Every request for an order carries the same idempotency key, so a retry never makes a second ticket.
"""
from __future__ import annotations

import json

import httpx
from django.conf import settings

from apps.kitchen.pos.base import PosResult, PosUnavailable, idempotency_key
from apps.kitchen.pos.square import create_order_request
from apps.ordering.models import Order
from apps.webhooks.dispatch import sign_headers

REJECTED_CODES = {400, 409, 422}


def _reason(response: httpx.Response) -> str:
    """Square answers errors as {"errors": [{"category", "code", "detail"}]}; fall back to the text."""
    try:
        errors = response.json().get("errors") or []
        first = errors[0]
        return str(first.get("detail") or first.get("code") or "")[:500] or f"HTTP {response.status_code}"
    except (ValueError, AttributeError, IndexError, TypeError):
        return (response.text.strip()[:500]) or f"HTTP {response.status_code}"


def _external_id(response: httpx.Response) -> str:
    try:
        return str((response.json().get("order") or {}).get("id") or "")
    except (ValueError, AttributeError):
        return ""


class HttpPosAdapter:
    name = "http"

    def submit(self, order: Order) -> PosResult:
        if not settings.POS_URL:
            raise PosUnavailable("POS_URL is not set")
        key = idempotency_key(order, self.name)
        body = json.dumps(create_order_request(order, settings.POS_LOCATION_ID, key), separators=(",", ":"))
        headers = {**sign_headers(settings.POS_SECRET, f"msg_{key}", body), "Idempotency-Key": key}
        try:
            response = httpx.post(settings.POS_URL, content=body.encode(), headers=headers,
                                  timeout=settings.POS_TIMEOUT_SECONDS)
        except httpx.HTTPError as exc:
            raise PosUnavailable(f"{type(exc).__name__}: {exc}") from exc
        if 200 <= response.status_code < 300:
            return PosResult.accept(_external_id(response))
        if response.status_code in REJECTED_CODES:
            return PosResult.reject(_reason(response))
        # 5xx, 429, and also 401/403/404: a configuration problem must not refuse the guest's order.
        raise PosUnavailable(f"HTTP {response.status_code}: {_reason(response)}")
