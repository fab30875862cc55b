"""Answers that come from backend facts: menu, dish details, FAQs, order status, handoff, moods."""

from __future__ import annotations

import pytest

from tests.e2e.test_ordering import Guest
from tests.stack import Stack, new_sender

pytestmark = pytest.mark.e2e


def restaurant(stack: Stack) -> dict:
    with stack.backend() as client:
        return client.get("/api/restaurant/").json()


def item_named(stack: Stack, name: str) -> dict:
    with stack.backend() as client:
        return next(
            i
            for i in client.get("/api/menu/items/", params={"q": name}).json()["results"]
            if i["name"] == name
        )


def test_menu_by_category_lists_backend_prices(stack: Stack):
    reply = Guest(stack).say("show me the desserts")
    lava = item_named(stack, "Chocolate Lava Cake")
    assert f"Chocolate Lava Cake: €{lava['price']}" in reply


def test_price_question_uses_the_backend_price(stack: Stack):
    soup = item_named(stack, "Tomato Soup")
    assert f"€{soup['price']}" in Guest(stack).say("how much is the tomato soup?")


def test_allergen_question_states_backend_allergens(stack: Stack):
    reply = Guest(stack).say("does the pad thai have peanuts in it?")
    assert "Yes, the Pad Thai contains peanuts" in reply


def test_opening_hours_come_from_the_backend(stack: Stack):
    facts = restaurant(stack)
    monday = next(entry for entry in facts["opening_hours"] if entry["day"] == "monday")
    assert f"Monday {monday['opens']}–{monday['closes']}" in Guest(stack).say("what are your opening hours?")


def test_stressed_guest_gets_mild_dishes(stack: Stack):
    reply = Guest(stack).say("I'm really stressed, what should I eat?")
    assert "Mild and soothing" in reply
    with stack.backend() as client:
        menu = {
            i["name"]: i for i in client.get("/api/menu/items/", params={"page_size": 200}).json()["results"]
        }
    suggested = [name for name in menu if f"{name} (€" in reply]
    assert suggested and all(menu[name]["spice_level"] == 0 for name in suggested)


def test_handoff_is_recorded_with_a_reference(stack: Stack):
    guest = Guest(stack)
    reply = guest.say("I want to talk to a real person")
    assert "request #" in reply and "minutes" in reply
    assert guest.slot("handoff_requested") is True


def test_order_status_for_an_unknown_number(stack: Stack):
    assert "couldn't find order #99999" in Guest(stack).say("what's the status of order 99999?")


def test_out_of_scope_is_declined_politely(stack: Stack):
    assert "can't help with that" in Guest(stack).say("can you pay my electric bill?")


def test_greeting_buttons_send_intents_with_their_entities(stack: Stack):
    replies = stack.say(new_sender(), "hi")
    payloads = [button["payload"] for reply in replies for button in reply.get("buttons", [])]
    assert '/ask_faq{"faq_topic": "hours"}' in payloads
    hours = Guest(stack).say('/ask_faq{"faq_topic": "hours"}')
    assert "opening hours" in hours.lower()
