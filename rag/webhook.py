"""Verifier and handler for the backend's signed `menu.updated` webhook (Standard Webhooks).

A plain function so any HTTP framework can call it: the caller maps WebhookResult.status onto its
response. Nothing is changed unless the signature and timestamp (±5 minutes) check out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Protocol

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

logger = logging.getLogger(__name__)


class ItemUpdater(Protocol):
    def update_items(self, item_ids: Any) -> Any: ...


@dataclass
class WebhookResult:
    status: int  # HTTP status for the caller to send back
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


def verify(headers: Mapping[str, str], raw: str, secrets: Sequence[str]) -> Any:
    """The verified event; tries each accepted secret (current, then previous during a rotation)."""
    error: Exception = WebhookVerificationError("No matching signature found")
    for secret in secrets:
        try:
            return Webhook(secret).verify(raw, dict(headers))
        except (WebhookVerificationError, ValueError, TypeError) as exc:
            error = exc
    raise error


def handle_menu_updated(
    headers: Mapping[str, str],
    body: bytes | str,
    secret: str | Sequence[str],
    indexer: ItemUpdater | Callable[[], ItemUpdater] | None,
    lock: AbstractContextManager[object] | None = None,
) -> WebhookResult:
    """Verify first, then (only for a verified event) take `lock` and update the index. An unsigned
    or forged request is refused at once: it never waits on, takes or touches the index (`indexer`
    may be a factory, only called for a verified change). With `indexer` None (a reader process,
    which never writes the index) a verified event is acknowledged and nothing is indexed."""
    secrets = [secret] if isinstance(secret, str) else list(secret)
    secrets = [value for value in secrets if value]
    if not secrets:
        logger.error("menu webhook refused: WEBHOOK_SECRET is not set")
        return WebhookResult(503, {"error": {"code": "not_configured", "message": "Webhook secret not set."}})
    raw = body.decode("utf-8") if isinstance(body, bytes) else body
    try:
        event = verify(headers, raw, secrets)
    except (WebhookVerificationError, ValueError, TypeError) as error:
        logger.warning("menu webhook refused: %s", error)
        return WebhookResult(401, {"error": {"code": "invalid_signature", "message": str(error)}})
    if not isinstance(event, dict) or event.get("type") != "menu.updated":
        return WebhookResult(
            202, {"ignored": True, "type": event.get("type") if isinstance(event, dict) else None}
        )
    data = event.get("data") or {}
    try:
        item_ids = [int(item_id) for item_id in data.get("item_ids") or []]
    except (TypeError, ValueError):
        return WebhookResult(
            400, {"error": {"code": "validation_error", "message": "item_ids must be integers."}}
        )
    if indexer is None:
        return WebhookResult(200, {"item_ids": item_ids, "indexed": False})
    with lock if lock is not None else nullcontext():
        updater = indexer if hasattr(indexer, "update_items") else indexer()
        report = updater.update_items(item_ids)
    return WebhookResult(
        200,
        {
            "item_ids": item_ids,
            "embedded": getattr(report, "embedded", None),
            "payload_updated": getattr(report, "payload_updated", None),
            "deleted": getattr(report, "deleted", None),
            "unchanged": getattr(report, "unchanged", None),
        },
    )
