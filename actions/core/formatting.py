"""Text the guest reads: money, carts, orders. Every figure comes from backend data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import urljoin

from actions.backend_client import Cart, CartLine, MenuItem, Order
from vocabulary import ALLERGENS
from vocabulary import money as money  # re-exported: the actions format money from here

# How the assistant lists a dish's allergens ("gluten (cereals)", "tree nuts").
ALLERGEN_NAMES = {allergen.code: allergen.listed for allergen in ALLERGENS}


def line_label(line: CartLine) -> str:
    options = ", ".join(option.name for option in line.options)
    return f"{line.quantity} × {line.item.name}" + (f" ({options})" if options else "")


def cart_text(cart: Cart) -> str:
    if not cart.lines:
        return "Your cart is empty."
    rows = [f"• {line_label(line)}: {money(line.line_total, cart.currency)}" for line in cart.lines]
    rows.append(f"Subtotal: {money(cart.subtotal, cart.currency)}")
    if cart.delivery_fee:
        rows.append(f"Delivery fee: {money(cart.delivery_fee, cart.currency)}")
    rows.append(f"Total: {money(cart.total, cart.currency)}")
    return "\n".join(rows)


def allergen_list(codes: Iterable[str]) -> str:
    names = [ALLERGEN_NAMES.get(code, code.replace("_", " ")) for code in codes]
    return ", ".join(names)


def item_line(item: MenuItem) -> str:
    status = "" if item.available else " (sold out today)"
    return f"{item.name}: {money(item.price, item.currency)}{status}"


def names(items: Iterable[MenuItem]) -> str:
    listed = [item.name for item in items]
    if len(listed) <= 1:
        return "".join(listed)
    return ", ".join(listed[:-1]) + " or " + listed[-1]


def order_text(order: Order) -> str:
    rows = [f"• {line_label(line)}: {money(line.line_total, order.currency)}" for line in order.lines]
    if order.delivery_fee:
        rows.append(f"Delivery fee: {money(order.delivery_fee, order.currency)}")
    rows.append(f"Total: {money(order.total, order.currency)}")
    return "\n".join(rows)


def menu_cards(items: Iterable[MenuItem], public_url: str) -> list[dict[str, Any]]:
    """Cards for chat widgets (Rasa's generic template): picture with alt text, name, price, an Add button."""
    cards = []
    for item in items:
        card: dict[str, Any] = {
            "title": item.name,
            "subtitle": " · ".join(
                [money(item.price, item.currency), *(tag.replace("_", "-") for tag in item.dietary_tags)]
            ),
            "buttons": [
                {
                    "title": f"Add {item.name}",
                    "type": "postback",
                    "payload": f'/order_item{{"dish": "{item.name}"}}',
                }
            ],
        }
        if item.image and item.image.url:
            card["image_url"] = urljoin(public_url.rstrip("/") + "/", item.image.url)
            card["image_alt"] = item.image.alt or item.name
        cards.append(card)
    return cards
