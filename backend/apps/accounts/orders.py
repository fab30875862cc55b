"""A guest's past orders, as the account page lists them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from apps.customers.models import Customer
from apps.ordering.models import Order
from vocabulary import money

MAX_ORDERS = 50


@dataclass(frozen=True)
class PastOrder:
    number: str
    placed_at: datetime
    total: str
    status: str


def format_total(amount: Decimal, currency: str) -> str:
    """`€12.50`, or `12.50 CHF` for a currency with no sign (vocabulary.CURRENCY_SYMBOLS)."""
    return money(amount, currency)


def past_orders(customer: Customer, limit: int = MAX_ORDERS) -> list[PastOrder]:
    """The customer's most recent orders, newest first (only theirs: orders are matched by customer)."""
    orders = Order.objects.filter(customer=customer).order_by("-created_at", "-id")[:limit]
    return [
        PastOrder(
            number=order.number or "Being placed",
            placed_at=order.created_at,
            total=format_total(order.total, order.currency),
            status=order.status.replace("_", " ").capitalize(),
        )
        for order in orders
    ]
