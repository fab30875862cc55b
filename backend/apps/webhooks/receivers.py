"""The webhooks app's subscriptions to other apps' domain events."""

from __future__ import annotations

from typing import Any

from apps.webhooks.dispatch import emit_event


def order_status_changed(
    sender: Any, *, order: Any, previous: str | None, status: str, **kwargs: Any
) -> None:
    """Queue an ``order.status_changed`` delivery to every subscribed endpoint (sent after commit)."""
    emit_event(
        "order.status_changed",
        {
            "order_id": order.pk,
            "number": order.number,
            "status": status,
            "previous_status": previous,
            "conversation_id": order.conversation_id or None,
            "customer": order.customer.public_id if order.customer else None,
        },
    )
