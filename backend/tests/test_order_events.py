"""An order's status change is the domain event ``order_status_changed``: who hears it, when, in what order."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from apps.ordering.models import Order, OrderStatusChange
from apps.ordering.signals import order_status_changed
from tests.conftest import new_cart, place


def test_subscribers_run_in_the_order_the_status_change_called_them() -> None:
    """metrics, then webhooks, then notifications, then the kitchen: their after-commit work keeps its order."""
    uids = [lookup[0] for lookup, *_ in order_status_changed.receivers]
    assert uids == [
        "metrics.count_status_change",
        "webhooks.order_status_changed",
        "notifications.order_status_changed",
        "kitchen.order_status_changed",
    ]


def test_the_event_is_sent_inside_the_transaction_after_the_change_is_recorded(api, demo) -> None:
    heard: list[tuple[str | None, str, str, bool, bool]] = []

    def listener(
        sender: Any, *, order: Order, previous: str | None, status: str, actor: str, **kwargs: Any
    ) -> None:
        recorded = OrderStatusChange.objects.filter(order=order, status=status).exists()
        heard.append((previous, status, actor, connection.in_atomic_block, recorded))

    order_status_changed.connect(listener)
    try:
        order = place(api, new_cart(api, (demo["bruschetta"], 1, []))["id"]).json()
        api.post(f"/api/orders/{order['id']}/cancel/")
    finally:
        order_status_changed.disconnect(listener)
    assert heard == [(None, "placed", "guest", True, True), ("placed", "cancelled", "guest", True, True)]


def test_a_failing_subscriber_rolls_the_status_change_back(api, demo) -> None:
    order = place(api, new_cart(api, (demo["bruschetta"], 1, []))["id"]).json()

    def broken(sender: Any, **kwargs: Any) -> None:
        raise RuntimeError("subscriber bug")

    order_status_changed.connect(broken)
    try:
        with pytest.raises(RuntimeError):
            api.post(f"/api/orders/{order['id']}/cancel/")
    finally:
        order_status_changed.disconnect(broken)
    assert Order.objects.get(pk=order["id"]).status == "placed"
    assert not OrderStatusChange.objects.filter(order_id=order["id"], status="cancelled").exists()
