"""Prices are computed here, by the backend, never by the assistant."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.common.errors import ApiError
from apps.menu.models import MenuItem, MenuOption
from apps.ordering.models import Cart, CartLine, Order
from apps.restaurant.models import Restaurant
from apps.restaurant.services import find_zone


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


def delivery_fee(restaurant: Restaurant, fulfilment: str, postcode: str | None, subtotal: Decimal) -> Decimal:
    """The fee for this choice, or an ApiError for a postcode outside the zones or too small an order."""
    if fulfilment != Order.Fulfilment.DELIVERY:
        return Decimal("0.00")
    zone = find_zone(restaurant, postcode or "")
    if zone is None:
        raise ApiError(
            "outside_delivery_zone",
            "Sorry, we don't deliver to that postcode. You're welcome to pick up instead.",
            400,
            {"postcode": postcode},
        )
    minimum = zone.min_order if zone.min_order is not None else restaurant.minimum_order
    if subtotal < minimum:
        raise ApiError(
            "below_minimum_order",
            f"The minimum for delivery is {restaurant.currency} {minimum:.2f}.",
            400,
            {"minimum_order": f"{minimum:.2f}", "subtotal": f"{subtotal:.2f}"},
        )
    return zone.fee
