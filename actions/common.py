"""Small helpers every action module shares: tracker reading, the clarification gate, the open cart."""
from __future__ import annotations

import functools
import logging
import re
from typing import Any, Awaitable, Callable, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from action_contract import CONSTRAINT_INTENTS
from actions.backend_client import BackendClient, BackendRejected, Cart
from actions.settings import get_settings
from vocabulary import ALLERGENS
from backend.apps.customers.ids import is_customer_id

logger = logging.getLogger(__name__)

YES_NO_BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def skip_empty(validate: Callable[..., Awaitable[dict[str, Any]]]) -> Callable[..., Awaitable[dict[str, Any]]]:
    """For form validators: a slot being cleared (value None) is not an answer to check or reply to."""
    slot = validate.__name__.removeprefix("validate_")

    @functools.wraps(validate)
    async def wrapper(self: Any, value: Any, *args: Any) -> dict[str, Any]:
        if value is None or value == []:
            return {slot: value}
        return await validate(self, value, *args)

    return wrapper


def entity_values(tracker: Tracker, name: str) -> list[Any]:
    return [entity.get("value") for entity in tracker.latest_message.get("entities", []) if entity.get("entity") == name]


def first_entity(tracker: Tracker, name: str) -> Optional[Any]:
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
    if intent.get("name") in CART_LINE_INTENTS and not (entity_values(tracker, "dish") or entity_values(tracker, "mention")):
        return has_cart_context(tracker)
    return True


def has_cart_context(tracker: Tracker) -> bool:
    """Whether the conversation has a dish in an open cart that "it" or "that one" can refer to."""
    return tracker.get_slot("last_line_id") is not None and current_cart_id(tracker) is not None


def cart_id(tracker: Tracker) -> Optional[int]:
    value = tracker.get_slot("cart_id")
    return int(value) if value is not None else None


# "Is there an open cart?" on the assistant's side: these two read the slots, then the backend's word
# (Cart.is_open); every action asks them rather than the slots or the cart's status itself.

def current_cart_id(tracker: Tracker) -> Optional[int]:
    """The cart this conversation is filling, as far as the slots know: none yet, or none since its
    order was placed (the next add opens a new one)."""
    return None if tracker.get_slot("checkout_stage") == "placed" else cart_id(tracker)


async def current_cart(tracker: Tracker, client: BackendClient) -> Optional[Cart]:
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
        return cart, [SlotSet("checkout_stage", None)] if tracker.get_slot("checkout_stage") == "confirming" else []
    customer = customer_id(tracker)
    try:
        cart = await client.create_cart(conversation_id=tracker.sender_id, channel=_channel(tracker), customer=customer)
    except BackendRejected:
        if customer is None:
            raise
        # an unknown account id must not stop a guest from ordering: go on as a guest
        logger.warning("unknown customer id in chat metadata; cart created as guest",
                       extra={"conversation_id": tracker.sender_id})
        cart = await client.create_cart(conversation_id=tracker.sender_id, channel=_channel(tracker))
    logger.info("cart created", extra={"conversation_id": tracker.sender_id, "cart_id": cart.id})
    return cart, [SlotSet("cart_id", cart.id), SlotSet("checkout_stage", None), SlotSet("last_line_id", None)]


def customer_id(tracker: Tracker) -> Optional[str]:
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


def mentioned_item_id(tracker: Tracker) -> Optional[int]:
    """The dish a follow-up points at: "the second one" → the second recommendation; "that" → the
    dish just discussed, or the only recommendation. None when it is ambiguous or unknown."""
    value = first_entity(tracker, "mention")
    if value is None:
        return None
    recommendations = [int(item_id) for item_id in tracker.get_slot("last_recommendations") or []]
    value = str(value).strip().lower()
    if value in {"that", "that one", "it", "this", "this one"}:
        last = tracker.get_slot("last_dish_id")
        if last is not None:
            return int(last)
        return recommendations[0] if len(recommendations) == 1 else None
    if value == "last":
        return recommendations[-1] if recommendations else None
    if value.isdigit() and 1 <= int(value) <= len(recommendations):
        return recommendations[int(value) - 1]
    return None


# A guest's word → the allergen code the menu data uses for it (the 14 EU codes; "nuts" is what a
# guest means by "nuts": recommending.exclusions makes it cover peanuts as well as tree nuts).
ALLERGEN_WORDS: dict[str, str] = {word: allergen.code for allergen in ALLERGENS for word in allergen.said}
# Words after "allergic to" that end the allergy ("allergic to kiwi, what do you recommend").
_ALLERGY_STOP = {"what", "which", "can", "could", "would", "will", "do", "does", "is", "are", "so", "but", "please",
                 "recommend", "suggest", "something", "anything", "any", "i", "im", "i'm", "we", "you", "me", "it",
                 "that", "this", "for", "in", "with", "too", "also", "as", "well", "and", "or", "food", "foods",
                 "stuff", "things", "a", "an", "the", "my", "some", "have", "has", "got", "severe", "serious", "bad",
                 "mild", "slight", "allergy", "allergies", "all", "very", "really", "of", "to", "no", "not"}
_ALLERGIC_TO = re.compile(r"\b(?:allergic|allergy|allergies|intolerant|intolerance)\s+(?:to|of)\s+([^.;!?]+)")
_NOUN_ALLERGY = re.compile(r"([a-z']+(?:\s+[a-z']+)?)\s+(?:allergy|allergies|intolerance|intolerant)\b")
_AVOIDING = re.compile(r"\b(?:without|no|free of|avoid|avoiding)\s+([^.;!?]+)")
_FREE = re.compile(r"\b([a-z']+(?:\s+[a-z']+)?)\s+free\b")


def _allergen_phrase(words: list[str]) -> tuple[Optional[str], str]:
    """The code of the allergen these words start with, else (None, the words naming it)."""
    while words and words[0] in {"a", "an", "the", "any", "all", "some"}:
        words = words[1:]
    for size in (3, 2, 1):
        if len(words) >= size and " ".join(words[:size]) in ALLERGEN_WORDS:
            return ALLERGEN_WORDS[" ".join(words[:size])], ""
    named: list[str] = []
    for word in words[:3]:
        if word in _ALLERGY_STOP:
            break
        named.append(word)
    return None, " ".join(named)


def allergies_in(text: str) -> tuple[set[str], list[str]]:
    """Allergies stated in the guest's own words: (allergen codes, words no code covers).

    "allergic to kiwi" and "a kiwi allergy" state an allergy to anything; "without", "no" and "-free"
    count only for the allergens the menu data knows ("no spicy food" is a taste, not an allergy).
    """
    text = " ".join(re.sub(r"[-–]", " ", text.lower()).split())
    codes: set[str] = set()
    unchecked: list[str] = []
    for match in _ALLERGIC_TO.finditer(text):
        for piece in re.split(r",|\band\b|\bor\b|/", match.group(1)):
            code, named = _allergen_phrase(piece.split())
            if code:
                codes.add(code)
            elif named and named not in unchecked:
                unchecked.append(named)
    for match in _NOUN_ALLERGY.finditer(text):
        words = match.group(1).split()
        code, _ = _allergen_phrase(words[-2:]) if len(words) == 2 else (None, "")
        code = code or _allergen_phrase(words[-1:])[0]
        if code:
            codes.add(code)
        elif words[-1] not in _ALLERGY_STOP and words[-1] not in unchecked:
            unchecked.append(words[-1])
    for pattern in (_AVOIDING, _FREE):
        for match in pattern.finditer(text):
            words = match.group(1).split()
            code = _allergen_phrase(words)[0] if pattern is _AVOIDING else (
                ALLERGEN_WORDS.get(" ".join(words)) or ALLERGEN_WORDS.get(words[-1]))
            if code:
                codes.add(code)
    return codes, unchecked


def _stated(tracker: Tracker) -> tuple[set[str], set[str], list[str]]:
    dietary: set[str] = set()
    allergens: set[str] = set()
    unchecked: list[str] = []
    for event in tracker.events:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") not in CONSTRAINT_INTENTS:
            continue
        codes, words = allergies_in(str(event.get("text") or parse.get("text") or ""))
        allergens |= codes
        unchecked += [word for word in words if word not in unchecked]
        for entity in parse.get("entities") or []:
            if entity.get("entity") == "dietary":
                dietary.add(str(entity.get("value")))
            elif entity.get("entity") == "allergen":
                value = " ".join(str(entity.get("value") or "").replace("_", " ").lower().split())
                code = value.replace(" ", "_") if value.replace(" ", "_") in ALLERGEN_WORDS.values() else ALLERGEN_WORDS.get(value)
                if code:
                    allergens.add(code)
                elif re.fullmatch(r"[a-z][a-z' ]{0,29}", value) and value not in unchecked:
                    unchecked.append(value)
    return dietary, allergens, unchecked


def stated_constraints(tracker: Tracker) -> tuple[list[str], list[str]]:
    """Dietary needs and excluded allergen codes the guest stated anywhere in this conversation.

    A question about an allergen ("does the pad thai have peanuts?") is not a statement and is not
    collected; a statement once made stays a hard filter for the rest of the conversation. Only the
    backend's allergen codes are returned: see unchecked_allergies for the rest.
    """
    dietary, allergens, _ = _stated(tracker)
    return sorted(dietary), sorted(allergens)


def unchecked_allergies(tracker: Tracker) -> list[str]:
    """Allergies the guest stated that no allergen code of the menu covers ("kiwi", "strawberries"):
    the assistant cannot check dishes for them and must say so."""
    return _stated(tracker)[2]
