"""Small helpers every action module shares: tracker reading, the clarification gate, the open cart."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions import slots
from actions.backend_client import BackendClient, BackendRejected, Cart
from actions.core import constraints
from actions.settings import get_settings
from service_common.customer_ids import is_customer_id

logger = logging.getLogger(__name__)

YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def skip_empty(
    validate: Callable[..., Awaitable[dict[str, Any]]],
) -> Callable[..., Awaitable[dict[str, Any]]]:
    """For form validators: a slot being cleared (value None) is not an answer to check or reply to."""
    slot = validate.__name__.removeprefix("validate_")

    @functools.wraps(validate)
    async def wrapper(self: Any, value: Any, *args: Any) -> dict[str, Any]:
        if value is None or value == []:
            return {slot: value}
        return await validate(self, value, *args)

    return wrapper


def entity_values(tracker: Tracker, name: str) -> list[Any]:
    return [
        entity.get("value")
        for entity in tracker.latest_message.get("entities", [])
        if entity.get("entity") == name
    ]


def first_entity(tracker: Tracker, name: str) -> Any | None:
    values = entity_values(tracker, name)
    return values[0] if values else None


# "make it three" and "take it off" refer to the cart; with no dish named and no cart to refer to,
# a confident change_quantity/remove_item is more likely another domain's words than ours.
CART_LINE_INTENTS = {"change_quantity", "remove_item"}


def is_confident(tracker: Tracker) -> bool:
    """Whether NLU is sure enough to change the cart or the order without asking first."""
    intent = tracker.latest_message.get("intent") or {}
    if float(intent.get("confidence") or 0.0) < get_settings().transactional_confidence_threshold:
        return False
    if intent.get("name") in CART_LINE_INTENTS and not (
        entity_values(tracker, "dish") or entity_values(tracker, "mention")
    ):
        return has_cart_context(tracker)
    return True


def has_cart_context(tracker: Tracker) -> bool:
    """Whether the conversation has a dish in an open cart that "it" or "that one" can refer to."""
    return tracker.get_slot(slots.LAST_LINE_ID) is not None and current_cart_id(tracker) is not None


def cart_id(tracker: Tracker) -> int | None:
    value = tracker.get_slot(slots.CART_ID)
    return int(value) if value is not None else None


# "Is there an open cart?" on the assistant's side: these two read the slots, then the backend's word
# (Cart.is_open); every action asks them rather than the slots or the cart's status itself.


def current_cart_id(tracker: Tracker) -> int | None:
    """The cart this conversation is filling, as far as the slots know: none yet, or none since its
    order was placed (the next add opens a new one)."""
    return None if tracker.get_slot(slots.CHECKOUT_STAGE) == "placed" else cart_id(tracker)


async def current_cart(tracker: Tracker, client: BackendClient) -> Cart | None:
    """The conversation's cart if the backend says it is still open; backend errors propagate."""
    existing = current_cart_id(tracker)
    if existing is None:
        return None
    cart = await client.cart(existing)
    return cart if cart.is_open else None


async def open_cart(tracker: Tracker, client: BackendClient) -> tuple[Cart, list[dict[str, Any]]]:
    """The conversation's open cart, creating one when there is none (or the last was ordered)."""
    cart = await current_cart(tracker, client)
    if cart is not None:
        # A change after the summary means the guest must see and confirm a new summary.
        confirming = tracker.get_slot(slots.CHECKOUT_STAGE) == "confirming"
        return cart, [SlotSet(slots.CHECKOUT_STAGE, None)] if confirming else []
    customer = customer_id(tracker)
    try:
        cart = await client.create_cart(
            conversation_id=tracker.sender_id, channel=_channel(tracker), customer=customer
        )
    except BackendRejected:
        if customer is None:
            raise
        # an unknown account id must not stop a guest from ordering: go on as a guest
        logger.warning(
            "unknown customer id in chat metadata; cart created as guest",
            extra={"conversation_id": tracker.sender_id},
        )
        cart = await client.create_cart(conversation_id=tracker.sender_id, channel=_channel(tracker))
    logger.info("cart created", extra={"conversation_id": tracker.sender_id, "cart_id": cart.id})
    return cart, [
        SlotSet(slots.CART_ID, cart.id),
        SlotSet(slots.CHECKOUT_STAGE, None),
        SlotSet(slots.LAST_LINE_ID, None),
    ]


def customer_id(tracker: Tracker) -> str | None:
    """The account this turn speaks for: the opaque id the channel verified on the guest's latest
    message (never a name or contact detail). An earlier message's identity does not carry over, so a
    logged-out, expired or absent token makes the turn a guest's."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            value = str((event.get("metadata") or {}).get("customer") or "")
            return value if is_customer_id(value) else None
    return None


def _channel(tracker: Tracker) -> str:
    return str((tracker.get_latest_input_channel() or "")[:32])


def mentioned_item_id(tracker: Tracker) -> int | None:
    """The dish a follow-up points at: "the second one" → the second recommendation; "that" → the
    dish just discussed, or the only recommendation. None when it is ambiguous or unknown."""
    value = first_entity(tracker, "mention")
    if value is None:
        return None
    recommendations = [int(item_id) for item_id in tracker.get_slot(slots.LAST_RECOMMENDATIONS) or []]
    value = str(value).strip().lower()
    if value in {"that", "that one", "it", "this", "this one"}:
        last = tracker.get_slot(slots.LAST_DISH_ID)
        if last is not None:
            return int(last)
        return recommendations[0] if len(recommendations) == 1 else None
    if value == "last":
        return recommendations[-1] if recommendations else None
    if value.isdigit() and 1 <= int(value) <= len(recommendations):
        return recommendations[int(value) - 1]
    return None


def stated_constraints(tracker: Tracker) -> tuple[list[str], list[str]]:
    """Dietary needs and excluded allergen codes the guest stated anywhere in this conversation
    (actions/core/constraints.py)."""
    return constraints.stated_constraints(tracker.events)


def unchecked_allergies(tracker: Tracker) -> list[str]:
    """Allergies the guest stated that no allergen code of the menu covers (actions/core/constraints.py)."""
    return constraints.unchecked_allergies(tracker.events)
