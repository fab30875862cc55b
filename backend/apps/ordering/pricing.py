"""Prices are computed here, by the backend, never by the assistant."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.menu.models import MenuItem, MenuOption
from apps.ordering.models import Cart, CartLine


def unit_price(item: MenuItem, options: list[MenuOption]) -> Decimal:
    return item.price + sum((o.price_delta for o in options), Decimal("0.00"))


@dataclass(frozen=True)
class PricedLine:
    line: CartLine
    options: list[MenuOption]
    unit_price: Decimal
    line_total: Decimal


@dataclass(frozen=True)
class CartTotals:
    lines: list[PricedLine]
    item_count: int
    subtotal: Decimal


def price_cart(cart: Cart) -> CartTotals:
    lines = []
    for line in cart.lines.select_related("item").prefetch_related("options"):
        options = sorted(line.options.all(), key=lambda o: (o.group != "size", o.position, o.id))
        price = unit_price(line.item, options)
        lines.append(PricedLine(line, options, price, price * line.quantity))
    return CartTotals(
        lines=lines,
        item_count=sum(p.line.quantity for p in lines),
        subtotal=sum((p.line_total for p in lines), Decimal("0.00")),
    )
