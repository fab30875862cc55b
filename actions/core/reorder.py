"""A signed-in guest's reorder in words: what was added at today's prices, what changed, what couldn't be."""

from __future__ import annotations

from decimal import Decimal

from actions.backend_client import Cart, Reorder
from actions.core.formatting import cart_text, money


def price_changes(cart: Cart, reorder: Reorder) -> list[str]:
    """Dishes whose price differs from what the guest paid last time, so the new total is no surprise."""
    notes = []
    current = {
        (line.item.name, tuple(option.name for option in line.options)): line.unit_price
        for line in cart.lines
    }
    for line in reorder.added:
        now: Decimal | None = current.get((line.name, tuple(line.options)))
        if now is not None and now != line.previous_unit_price:
            notes.append(
                f"{line.name} is now {money(now, cart.currency)} (it was "
                f"{money(line.previous_unit_price, cart.currency)})."
            )
    return notes


def reorder_text(cart: Cart, reorder: Reorder, usual: bool) -> str:
    what = "your usual" if usual else "what you ordered last time"
    rows = [f"Here's {what} (order #{reorder.order}), at today's prices:", cart_text(cart)]
    rows += price_changes(cart, reorder)
    if reorder.skipped:
        rows.append(
            "I couldn't add: "
            + "; ".join(f"{line.name} ({line.reason.rstrip('.')})" for line in reorder.skipped)
            + "."
        )
    return "\n".join(rows)
