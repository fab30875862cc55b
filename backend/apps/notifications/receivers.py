"""The notifications app's subscriptions to other apps' domain events."""

from __future__ import annotations

from typing import Any

from apps.notifications.services import notify_status_change


def order_status_changed(
    sender: Any, *, order: Any, previous: str | None, status: str, **kwargs: Any
) -> None:
    """Tell the guest (SMS, e-mail, chat push) after commit."""
    notify_status_change(order, previous, status)
