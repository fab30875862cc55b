"""Send orders to a POS over HTTP, as Square CreateOrder requests signed with Standard Webhooks, and
withdraw cancelled ones with UpdateOrder (state CANCELED) at POS_URL/<the POS's order id>.

One call is one request; the caller (apps.kitchen.submissions) retries PosUnavailable with backoff.
Every request for an order carries the same idempotency key (the withdrawal its own), so a retry never
makes a second ticket.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from django.conf import settings

from apps.kitchen.pos.base import PosRefused, PosResult, PosUnavailable, idempotency_key
from apps.kitchen.pos.square import cancel_order_request, create_order_request
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


def _ticket(response: httpx.Response) -> dict[str, Any]:
    try:
        return response.json().get("order") or {}
    except (ValueError, AttributeError):
        return {}


def _version(ticket: dict[str, Any]) -> int | None:
    try:
        return int(ticket["version"])
    except (KeyError, TypeError, ValueError):
        return None


def _send(method: str, url: str, request: dict[str, Any], key: str) -> httpx.Response:
    """One signed request; 2xx and the refusal codes come back, anything else is an outage."""
    body = json.dumps(request, separators=(",", ":"))
    headers = {**sign_headers(settings.POS_SECRET, f"msg_{key}", body), "Idempotency-Key": key}
    try:
        response = httpx.request(
            method, url, content=body.encode(), headers=headers, timeout=settings.POS_TIMEOUT_SECONDS
        )
    except httpx.HTTPError as exc:
        raise PosUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if 200 <= response.status_code < 300 or response.status_code in REJECTED_CODES:
        return response
    # 5xx, 429, and also 401/403/404: a configuration problem must not refuse the guest's order.
    raise PosUnavailable(f"HTTP {response.status_code}: {_reason(response)}")


class HttpPosAdapter:
    name = "http"

    def submit(self, order: Order) -> PosResult:
        if not settings.POS_URL:
            raise PosUnavailable("POS_URL is not set")
        key = idempotency_key(order, self.name)
        response = _send(
            "POST", settings.POS_URL, create_order_request(order, settings.POS_LOCATION_ID, key), key
        )
        if response.status_code in REJECTED_CODES:
            return PosResult.reject(_reason(response))
        ticket = _ticket(response)
        return PosResult.accept(str(ticket.get("id") or ""), _version(ticket))

    def withdraw(self, order: Order, accepted: PosResult) -> None:
        if not settings.POS_URL:
            raise PosUnavailable("POS_URL is not set")
        if not accepted.external_id:
            raise PosRefused("the POS never said which order it made, so it can't be told to cancel it")
        key = f"{idempotency_key(order, self.name)}-cancel"
        url = f"{settings.POS_URL.rstrip('/')}/{accepted.external_id}"
        response = _send(
            "PUT", url, cancel_order_request(settings.POS_LOCATION_ID, accepted.version, key), key
        )
        if response.status_code in REJECTED_CODES:
            raise PosRefused(_reason(response))
