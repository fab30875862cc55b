"""The kitchen's subscriptions to other apps' domain events."""

from __future__ import annotations

from typing import Any

from apps.kitchen.submissions import queue_for_order, queue_withdrawals
from apps.ordering.models import Order


def order_status_changed(
    sender: Any, *, order: Order, previous: str | None, status: str, **kwargs: Any
) -> None:
    """A confirmed order goes to every POS; a cancelled or rejected one is withdrawn (sent after commit)."""
    if status == Order.Status.CONFIRMED:
        queue_for_order(order)
    elif status in (Order.Status.CANCELLED, Order.Status.REJECTED):
        queue_withdrawals(order)
