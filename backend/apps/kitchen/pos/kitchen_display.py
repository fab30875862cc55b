from __future__ import annotations

from apps.kitchen.pos.base import PosResult
from apps.ordering.models import Order


class KitchenDisplayAdapter:
    """The built-in kitchen page (/kitchen/) is the display: the order is on it as soon as it exists."""

    name = "kitchen_display"

    def submit(self, order: Order) -> PosResult:
        return PosResult.accept(external_id=order.number or str(order.pk))

    def withdraw(self, order: Order, accepted: PosResult) -> None:
        """Nothing to send: the page lists open orders only, so a cancelled one is gone from it."""
