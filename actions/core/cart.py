"""Cart rules over the backend's cart: which line a guest means, which options they chose, and the
words for a requested order or a line that can't be found."""

from __future__ import annotations

from typing import Any

from actions.backend_client import Cart, CartLine, MenuItem
from actions.core.matching import match_name, match_option, parse_quantity

# The size slot holds this for dishes that come in one size, so the form can finish.
ONE_SIZE = "one size"


def quantity_out_of_range(lines: list[dict[str, Any]], limit: int) -> bool:
    """Whether a requested line names a whole quantity outside 1..limit ("0 green teas", "9999")."""
    quantities = (parse_quantity(line.get("quantity")) for line in lines)
    return any(quantity is not None and not 1 <= quantity <= limit for quantity in quantities)


def describe_request(lines: list[dict[str, Any]]) -> str:
    parts = []
    for line in lines:
        quantity = parse_quantity(line.get("quantity"))
        quantity = 1 if quantity is None else quantity  # "a margherita": one; "0 margheritas" stays 0
        size = f"{line['size']} " if line.get("size") else ""
        extras = f" with {', '.join(line['extras'])}" if line.get("extras") else ""
        parts.append(f"{quantity} {size}{line['dish']}{extras}")
    return " and ".join(parts)


def chosen_option_ids(item: MenuItem, size: str | None, extras: list[str]) -> list[int]:
    chosen = []
    if size and size != ONE_SIZE:
        option = match_option(size, item.options_in("size"))
        if option:
            chosen.append(option.id)
    for extra in extras:
        option = match_option(extra, item.options_in("extra"))
        if option and option.id not in chosen:
            chosen.append(option.id)
    return chosen


def options_suffix(item: MenuItem, option_ids: list[int]) -> str:
    chosen = [option.name for option in item.options if option.id in option_ids]
    return f" ({', '.join(chosen)})" if chosen else ""


def line_for(cart: Cart, item_id: int, option_ids: list[int]) -> CartLine | None:
    for line in cart.lines:
        if line.item.id == item_id and sorted(option.id for option in line.options) == sorted(option_ids):
            return line
    return None


def find_line(cart: Cart, dish: str | None, fallback_line_id: int | None) -> CartLine | None:
    """The cart line a guest refers to: by dish name, else the last one they added."""
    if dish:
        best, _, _ = match_name(str(dish), [line.item.name for line in cart.lines], threshold=70.0)
        return cart.lines[best] if best is not None else None
    if fallback_line_id is not None:
        return next((line for line in cart.lines if line.id == int(fallback_line_id)), None)
    return cart.lines[-1] if len(cart.lines) == 1 else None


def which_line_text(cart: Cart, dish: str | None) -> str:
    if not cart.lines:
        return "Your cart is empty, so there's nothing to change yet."
    listed = ", ".join(line.item.name for line in cart.lines)
    if dish:
        return f'I couldn\'t find "{str(dish)[:60]}" in your cart. You have: {listed}.'
    return f"Which dish do you mean? You have: {listed}."
