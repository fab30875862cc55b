"""The order, checkout and account actions as Rasa runs them: a rasa_sdk Tracker built from a dict
fixture, a CollectingDispatcher, the action's run() against a stub backend client (wired in through
actions.wiring.use_backend), then what the guest reads and the events that go back to Rasa."""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import metrics, wiring
from actions.account_actions import NO_HISTORY, ActionOrderUsual
from actions.backend_calls import SERVICE_DOWN
from actions.backend_client import BackendRejected
from actions.checkout_actions import ActionOrderSummary, ActionPlaceOrder
from actions.order_actions import (
    ActionAddOrderLine,
    ActionChangeQuantity,
    ActionPrepareOrder,
    ValidateOrderForm,
)
from actions.settings import get_settings
from tests.fakes.backend_client import StubBackend

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
CUSTOMER = "cus_0123456789abcdef"

EMPTY_TRACKER: dict[str, Any] = {
    "sender_id": "guest-1",
    "slots": dict.fromkeys(DOMAIN["slots"]),
    "latest_message": {"intent": {"name": "inform", "confidence": 1.0}, "entities": [], "text": ""},
    "events": [],
    "paused": False,
    "followup_action": None,
    "active_loop": {},
    "latest_action_name": "action_listen",
}


def tracker(
    slots: dict[str, Any] | None = None,
    *,
    text: str = "",
    intent: str = "inform",
    entities: list[dict[str, Any]] | None = None,
    customer: str | None = None,
    after: list[dict[str, Any]] | None = None,
    confidence: float = 1.0,
) -> Tracker:
    """The fixture with these slots and a latest user message (signed in as `customer`, if given);
    `after` are events after that message (a form's slot mappings)."""
    state = copy.deepcopy(EMPTY_TRACKER)
    state["slots"].update(slots or {})
    message = {"intent": {"name": intent, "confidence": confidence}, "entities": entities or [], "text": text}
    state["latest_message"] = message
    state["events"] = [
        {
            "event": "user",
            "text": text,
            "parse_data": message,
            "metadata": {"customer": customer} if customer else {},
        },
        *(after or []),
    ]
    return Tracker.from_dict(state)


def run(action: Action, state: Tracker) -> tuple[list[str], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, state, DOMAIN))
    return [message.get("text") or "" for message in dispatcher.messages], events


def slots_set(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}


@pytest.fixture
def backend() -> Iterator[StubBackend]:
    stub = StubBackend()
    wiring.use_backend(stub)  # type: ignore[arg-type]  # the client's calls, in memory
    yield stub
    wiring.use_backend(None)


def cart_with(backend: StubBackend, quantity: int) -> int:
    """A cart of `quantity` × Margherita Pizza (€9.50 each) in the stub, as an earlier turn left it."""
    backend.carts[100] = {"status": "open", "lines": {10: (3, quantity)}, "version": 4, "customer": None}
    return 100


ORDER_FORM_DONE = {
    "dish": "Margherita Pizza",
    "dish_id": 3,
    "quantity": 2,
    "size": "one size",
    "extras": [],
    "order_queue": [],
}


# --- the order ---------------------------------------------------------------------------------------


def test_adding_a_dish_puts_it_in_a_new_cart_and_says_the_backends_total(backend):
    replies, events = run(ActionAddOrderLine(), tracker(ORDER_FORM_DONE, text="2"))

    assert replies == [
        "Added 2 × Margherita Pizza. Your cart: 2 item(s), €19.75 so far.",
        "Anything else, or shall we check out?",
    ]
    assert slots_set(events)["cart_id"] == 100 and slots_set(events)["last_line_id"] == 10
    assert slots_set(events)["next_flow"] == "none" and slots_set(events)["dish"] is None
    assert backend.carts[100]["lines"] == {10: (3, 2)}


def test_an_unknown_dish_is_not_taken_and_changes_nothing(backend):
    state = tracker(
        {"requested_slot": "dish"},
        text="lasagne",
        intent="order_item",
        after=[{"event": "slot", "name": "dish", "value": "lasagne"}],
    )
    state.active_loop = {"name": "order_form"}

    replies, events = run(ValidateOrderForm(), state)

    assert len(replies) == 1 and replies[0].startswith('I couldn\'t find "lasagne" on our menu.')
    assert slots_set(events) == {"dish": None, "dish_id": None}
    assert backend.carts == {} and "add_line" not in backend.calls


@pytest.mark.parametrize("quantity", ["0", "9999"])
def test_a_quantity_out_of_range_is_asked_again(backend, quantity):
    state = tracker(
        {"requested_slot": "quantity", "dish": "Margherita Pizza", "dish_id": 3},
        text=quantity,
        after=[{"event": "slot", "name": "quantity", "value": quantity}],
    )
    state.active_loop = {"name": "order_form"}

    replies, events = run(ValidateOrderForm(), state)

    limit = get_settings().max_quantity
    assert replies == [
        f"I can add between 1 and {limit} of one dish at a time, so {int(quantity)} won't work."
    ]
    assert slots_set(events) == {"quantity": None}
    assert backend.carts == {}


def unsure_order(quantity: str) -> Tracker:
    """ "<quantity> green teas", read as an order below the confidence a cart change needs."""
    text = f"{quantity} green teas"
    entities = [
        {"entity": "quantity", "value": quantity, "start": 0, "end": len(quantity)},
        {"entity": "dish", "value": "green tea", "start": len(quantity) + 1, "end": len(text)},
    ]
    return tracker(text=text, intent="order_item", entities=entities, confidence=0.7)


def test_an_unsure_order_is_asked_about_with_the_guests_own_quantity(backend):
    replies, events = run(ActionPrepareOrder(), unsure_order("3"))
    assert replies == ["Did you mean to add 3 green tea?"]
    assert slots_set(events)["next_flow"] == "clarify" and backend.carts == {}


@pytest.mark.parametrize("quantity", ["0", "9999"])
def test_an_unsure_order_of_an_impossible_quantity_goes_straight_to_the_range(backend, quantity):
    """No "Did you mean to add 1 green tea?" after "0 green teas" (nor a yes asked for 9999 that then
    cannot be added): the order form starts with the guest's quantity, which it refuses with the
    range (test_a_quantity_out_of_range_is_asked_again), and nothing reaches the cart."""
    replies, events = run(ActionPrepareOrder(), unsure_order(quantity))
    assert not any("Did you mean" in reply for reply in replies), replies
    chosen = slots_set(events)
    assert chosen["next_flow"] == "order_form" and chosen["quantity"] == quantity
    assert backend.carts == {}


def test_changing_a_line_to_9999_changes_nothing(backend):
    cart = cart_with(backend, 2)
    state = tracker(
        {"cart_id": cart, "last_line_id": 10},
        intent="change_quantity",
        text="make it 9999",
        entities=[{"entity": "quantity", "value": "9999"}],
    )

    replies, events = run(ActionChangeQuantity(), state)

    limit = get_settings().max_quantity
    assert replies == [f"I can set a quantity between 1 and {limit}; 9999 won't work. Nothing changed."]
    assert slots_set(events) == {"next_flow": "none"}
    assert backend.carts[cart]["lines"] == {10: (3, 2)}


def test_with_the_backend_down_the_guest_is_told_and_the_cart_is_untouched(backend):
    backend.down = True

    replies, events = run(ActionAddOrderLine(), tracker(ORDER_FORM_DONE, text="2"))

    assert replies == [SERVICE_DOWN]
    assert "cart_id" not in slots_set(events) and "last_line_id" not in slots_set(events)
    assert slots_set(events)["order_queue"] == [] and slots_set(events)["next_flow"] == "none"


def test_an_outage_is_logged_and_counted(backend, caplog):
    backend.down = True
    fallbacks = metrics.FALLBACKS.labels("action")
    before = fallbacks._value.get()

    with caplog.at_level(logging.WARNING):
        run(ActionAddOrderLine(), tracker(ORDER_FORM_DONE, text="2"))

    assert fallbacks._value.get() == before + 1
    assert [
        (r.name, r.getMessage(), r.conversation_id) for r in caplog.records if r.levelno == logging.WARNING
    ] == [("actions.common", "backend unavailable during add to cart", "guest-1")]


def test_a_cart_change_during_an_outage_says_so_and_sets_nothing(backend):
    cart = cart_with(backend, 2)
    backend.down = True
    state = tracker(
        {"cart_id": cart, "last_line_id": 10},
        intent="change_quantity",
        text="make it 3",
        entities=[{"entity": "quantity", "value": "3"}],
    )

    replies, events = run(ActionChangeQuantity(), state)

    assert replies == [SERVICE_DOWN]
    assert slots_set(events) == {"next_flow": "none"}
    assert backend.carts[cart]["lines"] == {10: (3, 2)}


def test_a_refusal_from_the_backend_is_said_in_its_words(backend):
    backend.refuse["add_line"] = BackendRejected(
        "out_of_stock", "Sorry, the Margherita Pizza has just sold out.", 409
    )

    replies, events = run(ActionAddOrderLine(), tracker(ORDER_FORM_DONE, text="2"))

    assert replies == [
        "Sorry, the Margherita Pizza has just sold out.",
        "Anything else, or shall we check out?",
    ]
    assert slots_set(events)["last_line_id"] is None  # the cart was opened; nothing is in it
    assert backend.carts[100]["lines"] == {}


# --- checkout ----------------------------------------------------------------------------------------

CHECKOUT_DONE = {"fulfilment": "pickup", "requested_time": "asap", "payment_method": "pay_at_counter"}


def test_the_summary_shows_the_backends_total_and_asks_for_a_yes(backend):
    cart = cart_with(backend, 2)

    replies, events = run(ActionOrderSummary(), tracker({"cart_id": cart, **CHECKOUT_DONE}, intent="inform"))

    assert replies == [
        "Here's your order:\n• 2 × Margherita Pizza: €19.00\nSubtotal: €19.00\nTotal: €19.75\n"
        "Pickup, as soon as possible, paying at the counter.\n"
        "Shall I place this order for €19.75? (yes/no)"
    ]
    assert slots_set(events) == {
        "checkout_stage": "confirming",
        "confirmed_cart_version": 4,
        "confirmed_total": "19.75",
    }
    assert backend.carts[cart]["fulfilment"] == "pickup"


def test_the_explicit_yes_places_one_order_however_often_it_comes(backend):
    cart = cart_with(backend, 2)
    confirming = {
        "cart_id": cart,
        **CHECKOUT_DONE,
        "checkout_stage": "confirming",
        "confirmed_cart_version": 4,
        "confirmed_total": "19.75",
    }

    replies, events = run(ActionPlaceOrder(), tracker(confirming, intent="affirm", text="yes"))

    assert replies == [
        "Order #1001 is placed! 🎉\n• 2 × Margherita Pizza: €19.00\nTotal: €19.75\n"
        "You can pay at the counter."
    ]
    assert slots_set(events) == {
        "checkout_stage": "placed",
        "last_order_id": 40,
        "last_order_number": "1001",
        "last_order_total": "19.75",
    }

    again, _ = run(
        ActionPlaceOrder(), tracker({**confirming, **slots_set(events)}, intent="affirm", text="yes")
    )

    assert again == ["Your order #1001 is already placed. I haven't created a second one."]
    assert len(backend.orders) == 1


def test_a_yes_to_an_outdated_summary_places_nothing(backend):
    cart = cart_with(backend, 3)  # changed since the summary of version 3
    state = tracker(
        {
            "cart_id": cart,
            **CHECKOUT_DONE,
            "checkout_stage": "confirming",
            "confirmed_cart_version": 3,
            "confirmed_total": "19.75",
        },
        intent="affirm",
        text="yes",
    )

    replies, events = run(ActionPlaceOrder(), state)

    assert replies[0] == "Your cart changed since the summary, so here it is again:"
    assert "Shall I place this order for €29.25? (yes/no)" in replies[1]
    assert slots_set(events)["checkout_stage"] == "confirming" and backend.orders == {}


# --- the account -------------------------------------------------------------------------------------


def test_a_guest_asking_for_the_last_order_is_asked_to_log_in(backend):
    replies, events = run(ActionOrderUsual(), tracker(intent="order_usual", text="the same as last time"))

    assert len(replies) == 1 and "/accounts/login/" in replies[0] and "guests can order too" in replies[0]
    assert events == [] and backend.calls == []


def test_a_signed_in_guest_gets_the_last_order_at_todays_prices(backend):
    backend.history[CUSTOMER] = [(3, 2)]

    replies, events = run(
        ActionOrderUsual(), tracker(intent="order_usual", text="the same as last time", customer=CUSTOMER)
    )

    assert replies == [
        "Here's what you ordered last time (order #990), at today's prices:\n"
        "• 2 × Margherita Pizza: €19.00\nSubtotal: €19.00\nTotal: €19.75\n"
        "Margherita Pizza is now €9.50 (it was €8.00).",
        "Shall I take you to checkout to confirm your order?",
    ]
    assert slots_set(events) == {
        "cart_id": 100,
        "checkout_stage": None,
        "last_line_id": None,
        "pending_command": {"kind": "checkout"},
        "next_flow": "clarify",
    }
    assert backend.carts[100]["customer"] == CUSTOMER


def test_a_signed_in_guest_with_no_history_is_told_so(backend):
    replies, events = run(
        ActionOrderUsual(), tracker(intent="order_usual", text="my usual", customer=CUSTOMER)
    )

    assert replies == [NO_HISTORY]
    assert events == []
