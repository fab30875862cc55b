"""Reorder ("order my usual", "the same as last time"): rebuild a cart from the customer's order history.

Only what the order contained is reused (dishes, options, quantities). Prices and availability are
today's: the cart prices itself, and a dish that is gone, unavailable or sold out is skipped with a
reason instead of being added at an old price.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from apps.common.errors import ApiError
from apps.common.money import money
from apps.customers.models import Customer
from apps.ordering import carts
from apps.ordering.models import Cart, Order

# Orders that really happened (not cancelled or rejected) count as history.
HISTORY_STATUSES = ("placed", "confirmed", "preparing", "ready", "out_for_delivery", "completed")
USUAL_LOOKBACK = 10


@dataclass
class Reorder:
    source: Order
    added: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def data(self) -> dict[str, Any]:
        return {
            "order": self.source.number,
            "ordered_at": self.source.created_at.isoformat(),
            "added": self.added,
            "skipped": self.skipped,
        }


def _signature(order: Order) -> tuple:
    return tuple(
        sorted(
            (line.item_id or 0, tuple(sorted(o["id"] for o in line.options)), line.quantity)
            for line in order.lines.all()
        )
    )


def pick_order(customer: Customer, which: str) -> Order:
    """The last order, or for "usual" the order contents repeated most often in recent history
    (ties go to the most recent)."""
    history = list(
        Order.objects.filter(customer=customer, status__in=HISTORY_STATUSES)
        .prefetch_related("lines")
        .order_by("-created_at", "-id")[:USUAL_LOOKBACK]
    )
    if not history:
        raise ApiError("no_order_history", "I couldn't find an earlier order on your account.", 404)
    if which != "usual":
        return history[0]
    signatures = [_signature(order) for order in history]
    counts = Counter(signatures)
    most_repeated = max(range(len(history)), key=lambda i: (counts[signatures[i]], -i))
    return history[most_repeated]


def reorder(cart_id: int, customer: Customer, which: str) -> Reorder:
    """Add the chosen past order's lines to the open cart; the cart must be the customer's or a guest's."""
    cart = Cart.objects.filter(pk=cart_id).select_related("customer").first()
    if cart is None:
        raise ApiError("cart_not_found", "We couldn't find that cart.", 404, {"cart": cart_id})
    if cart.customer_id not in (None, customer.pk):
        raise ApiError("forbidden", "This cart belongs to someone else.", 403, {"cart": cart_id})
    source = pick_order(customer, which)
    result = Reorder(source)
    with transaction.atomic():
        carts.lock_open_cart(cart_id)
        if cart.customer_id is None:
            Cart.objects.filter(pk=cart_id).update(customer=customer)
        for line in source.lines.all():
            name = line.item.name if line.item else line.item_name
            if line.item_id is None:
                result.skipped.append({"name": line.item_name, "reason": "no longer on the menu"})
                continue
            option_ids = [o["id"] for o in line.options]
            try:
                carts.add_item(cart_id, line.item_id, line.quantity, option_ids)
            except ApiError as error:
                reason = (
                    "no longer available with those options"
                    if error.code == "invalid_option"
                    else error.message
                )
                result.skipped.append({"name": name, "reason": reason})
                continue
            result.added.append(
                {
                    "item": line.item_id,
                    "name": name,
                    "quantity": line.quantity,
                    "options": [o["name"] for o in line.options],
                    "previous_unit_price": money(line.unit_price),
                }
            )
    return result
