"""The action server caches the menu for speed; a price staff change is still what the next guest is told."""

from __future__ import annotations

import json
import time
from decimal import Decimal

import pytest

from tests.e2e.test_ordering import Guest, checkout_at_the_counter
from tests.e2e.test_retrieval_sync import ATTEMPTS
from tests.stack import Stack

pytestmark = pytest.mark.e2e

LAVA = "from apps.menu.models import MenuItem; items = MenuItem.objects.filter(name='Chocolate Lava Cake')\n"
LARGE_SOUP = (
    "from apps.menu.models import MenuOption\n"
    "option = MenuOption.objects.get(item__name='Tomato Soup', group='size', name='large')\n"
)


def size_buttons(stack: Stack, text: str) -> list[str]:
    messages = stack.say(Guest(stack).sender, text)
    return [button["title"] for message in messages for button in message.get("buttons", [])]


def accepted_deliveries_for(stack: Stack, item_id: int) -> int:
    return sum(item_id in item_ids and status == 200 for item_ids, status in json.loads(stack.orm(ATTEMPTS)))


def test_a_price_edited_straight_in_the_database_is_quoted_at_once(stack: Stack):
    """No signal, no webhook, no new menu version: the dish's price is still read from the backend when stated."""
    guest = Guest(stack)
    old = Decimal(stack.orm(LAVA + "print(items.get().price)"))
    assert f"€{old}" in guest.say("how much is the chocolate lava cake?")  # the menu is now in the cache
    new = old + Decimal("1.10")
    stack.orm(LAVA + f"items.update(price='{new}')")
    try:
        reply = guest.say("how much is the chocolate lava cake?")
        assert f"€{new}" in reply and f"€{old}" not in reply, reply
    finally:
        stack.orm(LAVA + f"items.update(price='{old}')")


def test_a_size_price_changed_in_the_admin_shows_in_the_next_size_question(stack: Stack):
    """The signed menu.updated webhook drops the action server's menu cache, not only the retrieval index."""
    old = Decimal(stack.orm(LARGE_SOUP + "print(option.price_delta)"))
    assert f"large (+€{old})" in size_buttons(stack, "I'd like a tomato soup")  # the menu is now in the cache
    soup_id = int(stack.orm(LARGE_SOUP + "print(option.item_id)"))
    before = accepted_deliveries_for(stack, soup_id)
    new = old + Decimal("0.40")
    stack.orm(LARGE_SOUP + f"option.price_delta = '{new}'; option.save()")  # as staff would in the admin
    try:
        deadline = time.monotonic() + 20  # well inside the 30 s the cache would otherwise keep the old price
        while accepted_deliveries_for(stack, soup_id) == before and time.monotonic() < deadline:
            time.sleep(0.3)
        assert accepted_deliveries_for(stack, soup_id) > before, "the menu.updated webhook was not accepted"
        buttons = size_buttons(stack, "I'd like a tomato soup")
        assert f"large (+€{new})" in buttons, buttons
    finally:
        stack.orm(LARGE_SOUP + f"option.price_delta = '{old}'; option.save()")


def test_a_price_raised_between_the_summary_and_the_yes_is_shown_before_anything_is_placed(stack: Stack):
    """Issue 16's trigger: the guest saw "Shall I place this order for €X?", staff raised the price, "yes"."""
    guest = Guest(stack)
    old = Decimal(stack.orm(LAVA + "print(items.get().price)"))
    assert "Added" in guest.say("one chocolate lava cake please")
    summary = checkout_at_the_counter(guest)
    assert f"for €{old:.2f}?" in summary, summary
    new = old + Decimal("2.00")
    stack.orm(LAVA + f"item = items.get(); item.price = '{new}'; item.save()")  # as staff would in the admin
    try:
        reply = guest.say("yes")
        assert "haven't placed" in reply and f"now €{new:.2f} (it was €{old:.2f})" in reply, reply
        assert f"Shall I place this order for €{new:.2f}?" in reply
        assert guest.slot("checkout_stage") == "confirming" and guest.slot("last_order_id") is None
        placed = guest.say("yes")
        assert "is placed" in placed and f"€{new:.2f}" in placed, placed
        with stack.backend() as client:
            order = client.get(f"/api/orders/{int(guest.slot('last_order_id'))}/").json()
        assert Decimal(order["total"]) == new
    finally:
        stack.orm(LAVA + f"item = items.get(); item.price = '{old}'; item.save()")
