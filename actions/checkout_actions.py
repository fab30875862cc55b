"""Checkout: the checkout form, the summary with the backend's total, the explicit yes, the order."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import metrics, slots, wiring
from actions.backend_calls import backend_call
from actions.backend_client import BackendBusy, BackendRejected, BackendUnavailable, Cart
from actions.common import YES_NO_BUTTONS, cart_id, current_cart_id, customer_id, is_confident, skip_empty
from actions.core.checkout import (
    FULFILMENT_WORDS,
    PAYMENT_WORDS,
    STATUS_TEXT,
    idempotency_key,
    order_summary,
    placed_text,
    requested_time_for_order,
)
from actions.core.formatting import money
from actions.core.pickup_time import TimeChoice, choose_time, recheck, says_a_time
from actions.digressions import answer_question, unsure_question
from actions.order_actions import CART_COMMANDS, start_order

logger = logging.getLogger(__name__)

CHECKOUT_SLOTS = (
    slots.FULFILMENT,
    slots.POSTCODE,
    slots.REQUESTED_TIME,
    slots.PROPOSED_TIME,
    slots.PAYMENT_METHOD,
)


# A 429 from the backend (this conversation is throttled): a polite "busy, try again", nothing lost.
BUSY_CHECKOUT = (
    "We're a little busy right now, please try again in a moment. Your cart is kept: "
    'say "checkout" again when you\'re ready.'
)
BUSY_ORDER = (
    "We're a little busy right now, so your order is NOT placed yet and nothing was charged. "
    'Your cart is kept: say "yes" again in a moment to place it.'
)


async def begin_checkout(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Start the checkout form when there is something in the cart."""
    current = current_cart_id(tracker)
    if current is None:
        dispatcher.utter_message(
            text="Your cart is empty, so there's nothing to check out yet. What would you like?"
        )
        return [SlotSet(slots.NEXT_FLOW, "none")]
    # throttled (429): "busy", nothing changed, the cart is kept
    async with backend_call(dispatcher, tracker, "checkout", rejected=None, busy=BUSY_CHECKOUT) as call:
        cart = await wiring.backend().cart(current)
    if call.failed:
        return [SlotSet(slots.NEXT_FLOW, "none")]
    if not cart.lines:
        dispatcher.utter_message(
            text="Your cart is empty, so there's nothing to check out yet. What would you like?"
        )
        return [SlotSet(slots.NEXT_FLOW, "none")]
    metrics.CHECKOUTS.inc()
    return [*(SlotSet(slot, None) for slot in CHECKOUT_SLOTS), SlotSet(slots.NEXT_FLOW, "checkout_form")]


def checkout_cart_id(tracker: Tracker) -> int:
    """The cart the checkout form works on: begin_checkout starts the form only with one."""
    current = cart_id(tracker)
    assert current is not None, "the checkout form runs without a cart"
    return current


class ActionStartCheckout(Action):
    def name(self) -> str:
        return "action_start_checkout"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if unsure_question(tracker):  # "can I pay by card?" read as checkout: answered, no checkout started
            return await answer_question(dispatcher, tracker, domain) + [SlotSet(slots.NEXT_FLOW, "none")]
        if not is_confident(tracker):
            dispatcher.utter_message(text="Did you mean you're ready to check out?", buttons=YES_NO_BUTTONS)
            return [SlotSet(slots.PENDING_COMMAND, {"kind": "checkout"}), SlotSet(slots.NEXT_FLOW, "clarify")]
        return await begin_checkout(dispatcher, tracker)


class ActionResolveClarification(Action):
    """The guest answered "Did you mean ...?": carry out the remembered command, or drop it."""

    def name(self) -> str:
        return "action_resolve_clarification"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        command = tracker.get_slot(slots.PENDING_COMMAND) or {}
        events: list[EventType] = [SlotSet(slots.PENDING_COMMAND, None)]
        if tracker.get_intent_of_latest_message() != "affirm" or not command:
            dispatcher.utter_message(text="Okay, I won't do that. What would you like instead?")
            return events + [SlotSet(slots.NEXT_FLOW, "none")]
        kind = command.get("kind")
        if kind == "order":
            return events + start_order(command.get("lines") or [])
        if kind == "checkout":
            return events + await begin_checkout(dispatcher, tracker)
        if kind in CART_COMMANDS:
            events += await CART_COMMANDS[kind].execute(dispatcher, tracker, command)
        return events + [SlotSet(slots.NEXT_FLOW, "none")]


# Entities that make a message about something else than when (an opening-hours question, a dish).
NOT_WHEN_ENTITIES = {"faq_topic", "dish", "allergen", "dietary", "category", "detail", "mood", "order_number"}


class ValidateCheckoutForm(FormValidationAction):
    def name(self) -> str:
        return "validate_checkout_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if asks_something_else(tracker):
            # requested_time's from_text mapping took the message, but it is a question or a command NLU
            # was unsure of: hand it to the rules (digressions) as if nothing had been extracted.
            return [SlotSet(slots.REQUESTED_TIME, None), ActionExecutionRejected("checkout_form")]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot(slots.FULFILMENT) == "pickup":
            return [slot for slot in domain_slots if slot != slots.POSTCODE]
        return domain_slots

    @skip_empty
    async def validate_fulfilment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        choice = FULFILMENT_WORDS.get(str(value).strip().lower())
        if choice is None:
            dispatcher.utter_message(text="Would you like pickup or delivery?")
        return {slots.FULFILMENT: choice}

    @skip_empty
    async def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        postcode = str(value).strip().upper().replace(" ", "")[:4]
        async with backend_call(dispatcher, tracker, "delivery zone check", rejected=_or_pickup) as call:
            await wiring.backend().set_fulfilment(checkout_cart_id(tracker), "delivery", postcode)
        if call.failed:
            return {slots.POSTCODE: None}
        return {slots.POSTCODE: postcode}

    @skip_empty
    async def validate_requested_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        async with backend_call(dispatcher, tracker, "opening hours", rejected=None) as call:
            restaurant = await wiring.backend().restaurant()
        if call.failed:
            return {slots.REQUESTED_TIME: None, slots.PROPOSED_TIME: None}
        choice = choose_time(time_answer(value, tracker), restaurant)
        offered = tracker.get_slot(slots.PROPOSED_TIME)
        if not choice.understood and offered:
            if latest_intent(tracker) == "affirm":
                choice = choose_time(offered, restaurant)
            elif latest_intent(tracker) == "deny":
                dispatcher.utter_message(text="No problem.")
                return {slots.REQUESTED_TIME: None, slots.PROPOSED_TIME: None}
        if choice.problem:
            dispatcher.utter_message(text=choice.problem, buttons=offer_buttons(choice))
        return {slots.REQUESTED_TIME: choice.value, slots.PROPOSED_TIME: choice.offer}

    @skip_empty
    async def validate_payment_method(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        choice = PAYMENT_WORDS.get(str(value).strip().lower())
        if choice is None:
            dispatcher.utter_message(text="Would you like to pay by card online, or at the counter?")
        return {slots.PAYMENT_METHOD: choice}


def _or_pickup(rejection: BackendRejected) -> str:
    """A postcode the backend refused (outside the delivery zones): pickup is still on offer."""
    return f'{rejection.message} You can also choose pickup: just say "pickup".'


def asks_something_else(tracker: Tracker) -> bool:
    """At "When would you like it?": a message about a topic, dish, ... (by its entities) and no time
    entity, or a question that holds no time ("how late do you stay open?", not "can you do 7?")."""
    taken = tracker.slots_to_validate()
    if tracker.get_slot(slots.REQUESTED_SLOT) != slots.REQUESTED_TIME or slots.REQUESTED_TIME not in taken:
        return False
    entities = {entity.get("entity") for entity in tracker.latest_message.get("entities", [])}
    if "time" in entities:
        return False
    if entities & NOT_WHEN_ENTITIES:
        return True
    text = time_answer(taken[slots.REQUESTED_TIME], tracker)
    answering_offer = bool(tracker.get_slot(slots.PROPOSED_TIME)) and latest_intent(tracker) in (
        "affirm",
        "deny",
    )
    return text.endswith("?") and not answering_offer and not says_a_time(text)


def latest_intent(tracker: Tracker) -> str | None:
    """NLU's top intent as it is (nlu_fallback included: an unsure message is not a yes)."""
    return (tracker.latest_message.get("intent") or {}).get("name")


def time_answer(value: Any, tracker: Tracker) -> str:
    """The guest's whole answer ("7:30 pm", not the NLU's "7:30"); a button's value as sent."""
    text = str(tracker.latest_message.get("text") or "").strip()
    return str(value) if not text or text.startswith("/") else text


def offer_buttons(choice: TimeChoice) -> list[dict[str, str]]:
    """Accept the offered time, or pick another one (the offer is also accepted with a plain "yes")."""
    if not choice.offer:
        return []
    accept = json.dumps({"time": choice.offer})
    return [
        {"title": f"Yes, {choice.offer_label}", "payload": f"/inform{accept}"},
        {"title": "Another time", "payload": "/deny"},
    ]


class ActionAskRequestedTime(Action):
    """Asks "When would you like it?", unless a time was just offered: the offer is the question."""

    def name(self) -> str:
        return "action_ask_requested_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if not tracker.get_slot(slots.PROPOSED_TIME):
            dispatcher.utter_message(response="utter_ask_requested_time")
        return []


class ActionOrderSummary(Action):
    """Checkout form done: show what will be ordered and the backend's total, and ask for a yes."""

    def name(self) -> str:
        return "action_order_summary"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        fulfilment = tracker.get_slot(slots.FULFILMENT) or "pickup"
        async with backend_call(dispatcher, tracker, "order summary") as call:
            cart = await wiring.backend().set_fulfilment(
                checkout_cart_id(tracker), fulfilment, tracker.get_slot(slots.POSTCODE)
            )
        if call.failed:
            return [SlotSet(slots.CHECKOUT_STAGE, None)]
        if not cart.lines:
            dispatcher.utter_message(text="Your cart is empty, so there's nothing to order yet.")
            return [SlotSet(slots.CHECKOUT_STAGE, None)]
        dispatcher.utter_message(
            text=summary_text(cart, tracker),
            buttons=[
                {"title": "Yes, place the order", "payload": "/affirm"},
                {"title": "No, not yet", "payload": "/deny"},
            ],
        )
        return confirming(cart)


def confirming(cart: Cart) -> list[EventType]:
    """The summary of `cart` is on screen: a yes now means this version of the cart at this total."""
    return [
        SlotSet(slots.CHECKOUT_STAGE, "confirming"),
        SlotSet(slots.CONFIRMED_CART_VERSION, cart.version),
        SlotSet(slots.CONFIRMED_TOTAL, str(cart.total)),
    ]


def summary_text(cart: Cart, tracker: Tracker) -> str:
    return order_summary(
        cart,
        fulfilment=tracker.get_slot(slots.FULFILMENT),
        postcode=tracker.get_slot(slots.POSTCODE),
        payment_method=tracker.get_slot(slots.PAYMENT_METHOD),
        requested_time=tracker.get_slot(slots.REQUESTED_TIME),
    )


UNPAID_ORDERS_CAP = "too_many_unpaid_orders"  # backend/apps/ordering/caps.py
TOTAL_CHANGED = "total_changed"  # backend/apps/ordering/orders.py: prices changed after the summary


async def show_new_total(dispatcher: CollectingDispatcher, tracker: Tracker, cart_id: int) -> list[EventType]:
    """Prices changed between the summary and the yes: nothing was placed; the guest sees the new total."""
    async with backend_call(dispatcher, tracker, "order summary", rejected=None) as call:
        cart = await wiring.backend().cart(cart_id)
    if call.failed:
        return [SlotSet(slots.CHECKOUT_STAGE, None)]
    was = tracker.get_slot(slots.CONFIRMED_TOTAL)
    before = f" (it was {money(was, cart.currency)})" if was else ""
    dispatcher.utter_message(
        text=f"Our prices changed since your summary, so I haven't placed the order. "
        f"The total is now {money(cart.total, cart.currency)}{before}. Here it is again:"
    )
    dispatcher.utter_message(text=summary_text(cart, tracker), buttons=YES_NO_BUTTONS)
    return confirming(cart)


class ActionPlaceOrder(Action):
    """The explicit yes: create the order once, however often the yes arrives."""

    def name(self) -> str:
        return "action_place_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        stage = tracker.get_slot(slots.CHECKOUT_STAGE)
        current = cart_id(tracker)
        version = tracker.get_slot(slots.CONFIRMED_CART_VERSION)
        if stage not in ("confirming", "placed") or current is None or version is None:
            dispatcher.utter_message(
                text="There's no order waiting for a yes. Say \"checkout\" when you're ready."
            )
            return [SlotSet(slots.CHECKOUT_STAGE, None)]
        client = wiring.backend()
        try:
            if stage == "confirming":
                cart = await client.cart(current)
                if cart.version != int(version):
                    dispatcher.utter_message(text="Your cart changed since the summary, so here it is again:")
                    dispatcher.utter_message(text=summary_text(cart, tracker), buttons=YES_NO_BUTTONS)
                    return confirming(cart)
                problem = recheck(tracker.get_slot(slots.REQUESTED_TIME), await client.restaurant())
                if problem:
                    return ask_time_again(dispatcher, problem)
            order = await client.place_order(
                cart_id=current,
                idempotency_key=idempotency_key(tracker.sender_id, current, int(version)),
                fulfilment=tracker.get_slot(slots.FULFILMENT) or "pickup",
                payment_method=tracker.get_slot(slots.PAYMENT_METHOD) or "pay_at_counter",
                postcode=tracker.get_slot(slots.POSTCODE),
                requested_time=requested_time_for_order(tracker.get_slot(slots.REQUESTED_TIME)),
                conversation_id=tracker.sender_id,
                customer=customer_id(tracker),  # the account proven on this yes, or none: a guest's order
                expected_total=tracker.get_slot(slots.CONFIRMED_TOTAL),
            )
        except BackendBusy:  # throttled (429): no order was made, the cart and the summary are kept
            logger.warning("order not placed: backend busy", extra={"conversation_id": tracker.sender_id})
            dispatcher.utter_message(text=BUSY_ORDER)
            return [SlotSet(slots.CHECKOUT_STAGE, stage)]
        except BackendUnavailable:
            logger.warning(
                "order not placed: backend unavailable", extra={"conversation_id": tracker.sender_id}
            )
            dispatcher.utter_message(
                text="Sorry, I couldn't reach our ordering system, so your order is NOT placed yet and nothing "
                'was charged. Your cart is kept: say "yes" again in a moment to retry.'
            )
            return [SlotSet(slots.CHECKOUT_STAGE, stage)]
        except BackendRejected as rejection:
            if rejection.code == TOTAL_CHANGED:
                return await show_new_total(dispatcher, tracker, current)
            if rejection.code == UNPAID_ORDERS_CAP:  # the cart is fine: only paying at the counter is not
                dispatcher.utter_message(
                    text=f"I haven't placed this order: {rejection.message} Your cart is kept."
                )
                return [
                    SlotSet(slots.PAYMENT_METHOD, None),
                    SlotSet(slots.CHECKOUT_STAGE, None),
                    FollowupAction("checkout_form"),
                ]
            dispatcher.utter_message(text=f"I couldn't place the order: {rejection.message}")
            return [SlotSet(slots.CHECKOUT_STAGE, None)]
        if stage == "placed":
            dispatcher.utter_message(
                text=f"Your order #{order.number} is already placed. I haven't created a second one."
            )
        else:
            metrics.ORDERS.inc()
            dispatcher.utter_message(text=placed_text(order))
        logger.info("order placed", extra={"conversation_id": tracker.sender_id, "order_id": order.id})
        return [
            SlotSet(slots.CHECKOUT_STAGE, "placed"),
            SlotSet(slots.LAST_ORDER_ID, order.id),
            SlotSet(slots.LAST_ORDER_NUMBER, order.number),
            SlotSet(slots.LAST_ORDER_TOTAL, str(order.total)),
        ]


def ask_time_again(dispatcher: CollectingDispatcher, problem: str) -> list[EventType]:
    """A chosen time that can no longer be had is never placed: the checkout asks for a time again."""
    dispatcher.utter_message(text=f"{problem} I haven't placed the order.")
    return [
        SlotSet(slots.REQUESTED_TIME, None),
        SlotSet(slots.PROPOSED_TIME, None),
        SlotSet(slots.CHECKOUT_STAGE, None),
        FollowupAction("checkout_form"),
    ]


class ActionDeclineOrder(Action):
    def name(self) -> str:
        return "action_decline_order"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        metrics.ABANDONED.inc()
        dispatcher.utter_message(
            text='Okay, I haven\'t placed it. Your cart is kept: add more, change something, or say "checkout" when ready.'
        )
        return [SlotSet(slots.CHECKOUT_STAGE, None)]


class ActionOrderStatus(Action):
    def name(self) -> str:
        return "action_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number = _order_number(tracker)
        if number is None:
            dispatcher.utter_message(
                text='Which order do you mean? Please tell me the order number, e.g. "order 1042".'
            )
            return []
        not_found = f"I couldn't find order #{number}. Please check the number."
        async with backend_call(dispatcher, tracker, "order status", rejected=lambda _: not_found) as call:
            order = await wiring.backend().order_by_number(
                number, conversation_id=tracker.sender_id, customer=customer_id(tracker)
            )
        if call.failed:
            return []
        dispatcher.utter_message(
            text=f"Your order #{order.number} {STATUS_TEXT.get(order.status, order.status)}."
        )
        return []


def _order_number(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities", []):
        if entity.get("entity") == "order_number":
            digits = "".join(ch for ch in str(entity.get("value")) if ch.isdigit())
            if digits:
                return digits
    number = tracker.get_slot(slots.LAST_ORDER_NUMBER)
    return str(number) if number else None
