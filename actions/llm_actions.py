"""Actions whose words the LLM writes (or templates, offline): recommendations, free questions,
and the free-form fallback with tools. Each reads slots, calls one service, renders the result."""

from __future__ import annotations

import logging
import re
from decimal import Decimal
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import metrics, slots, streaming, wiring
from actions.backend_calls import backend_call
from actions.backend_client import BackendRejected, BackendUnavailable, Cart, MenuItem
from actions.common import (
    YES_NO_BUTTONS,
    current_cart,
    first_entity,
    open_cart,
    stated_constraints,
    unchecked_allergies,
)
from actions.core.formatting import ALLERGEN_NAMES, cart_text, menu_cards, money
from actions.experimenting import experiment_changes
from actions.info_actions import faq_text, public_url
from actions.recommending import exclusions

logger = logging.getLogger(__name__)

OFFLINE_NOTICE = (
    "(A note: I'm in offline mode today, so my answers come straight from our menu and "
    "policies, without my usual chat.)"
)
# FAQ topics the backend answers exactly from structured facts; everything else goes to retrieval.
STRUCTURED_TOPICS = {"hours", "location", "contact", "parking", "delivery", "minimum_order"}


def offline_notice(dispatcher: CollectingDispatcher, tracker: Tracker, mode: str) -> list[EventType]:
    """Tell the guest once per conversation that the LLM is not in use."""
    if mode != "offline" or tracker.get_slot(slots.OFFLINE_NOTICE_GIVEN):
        return []
    dispatcher.utter_message(text=OFFLINE_NOTICE)
    return [SlotSet(slots.OFFLINE_NOTICE_GIVEN, True)]


def _say(
    dispatcher: CollectingDispatcher,
    text: str,
    used_llm: bool,
    cost_before: Decimal | None = None,
    tracker: Tracker | None = None,
    **kwargs: Any,
) -> None:
    """Extra keys end up in the BotUttered event's metadata: staff (and experiment reports) can see
    which words the LLM wrote and what this turn's LLM calls cost."""
    if cost_before is not None and tracker is not None:
        spent = _conversation_cost(tracker) - cost_before
        if spent > 0:
            kwargs["llm_cost_usd"] = str(spent)
    dispatcher.utter_message(text=text, llm_generated=used_llm, **kwargs)


def _conversation_cost(tracker: Tracker) -> Decimal:
    return wiring.llm().ledger.conversation(tracker.sender_id).cost_usd


def _add_buttons(items: list[MenuItem]) -> list[dict[str, str]]:
    return [
        {"title": f"Add {item.name}", "payload": f'/order_item{{"dish": "{item.name}"}}'} for item in items
    ]


class ActionRecommend(Action):
    def name(self) -> str:
        return "action_recommend"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        recommender = await wiring.recommender()
        cost_before = _conversation_cost(tracker)
        dietary, stated = stated_constraints(tracker)
        allergens = exclusions(dietary, stated)  # "nuts" covers peanuts too
        unchecked = unchecked_allergies(tracker)
        if unchecked:
            dispatcher.utter_message(text=await _unchecked_allergy_text(unchecked))
        changes, arm_events = experiment_changes(tracker)
        async with backend_call(dispatcher, tracker, "recommend", rejected=None) as call:
            recommendation = await recommender.recommend(
                str(tracker.latest_message.get("text") or ""),
                mood_word=str(first_entity(tracker, "mood") or ""),
                dietary=dietary,
                exclude_allergens=allergens,
                conversation_id=tracker.sender_id,
                count=changes.get("recommendation_count"),
            )
        if call.failed:
            return []
        if not recommendation.suggestions:
            dispatcher.utter_message(
                text="I couldn't find a dish that fits all of that. Would you like to see the whole menu?"
            )
            return arm_events
        events = arm_events + offline_notice(dispatcher, tracker, recommendation.mode)
        lines = "\n".join(
            f"{number}. {s.item.name} ({money(s.item.price, s.item.currency)}): {s.reason}"
            for number, s in enumerate(recommendation.suggestions, start=1)
        )
        items = [s.item for s in recommendation.suggestions]
        note = _constraints_note(dietary, allergens)
        _say(
            dispatcher,
            f'{recommendation.intro}{note}:\n{lines}\nSay "add the second one" or "tell me more about the first".',
            recommendation.mode == "llm",
            cost_before,
            tracker,
            buttons=_add_buttons(items),
        )
        dispatcher.utter_message(elements=menu_cards(items, public_url()))
        return events + [
            SlotSet(slots.LAST_RECOMMENDATIONS, [item.id for item in items]),
            SlotSet(slots.LAST_DISH_ID, None),
        ]


def _constraints_note(dietary: list[str], allergens: list[str]) -> str:
    """Say which of the guest's stated needs the suggestions respect, e.g. " (all vegan, without peanuts or tree nuts)"."""
    parts = [" and ".join(tag.replace("_", "-") for tag in dietary)] if dietary else []
    if allergens:
        names = [ALLERGEN_NAMES.get(code, code.replace("_", " ")) for code in allergens]
        parts.append("without " + (f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]))
    return f" (all {', '.join(parts)})" if parts else ""


async def _unchecked_allergy_text(words: list[str]) -> str:
    """Honest words for an allergy the menu's allergen data (the 14 EU allergens) does not cover."""
    try:
        phone = str((await wiring.backend().restaurant()).get("phone") or "")
    except (BackendUnavailable, BackendRejected):
        phone = ""
    named = f"{', '.join(words[:-1])} or {words[-1]}" if len(words) > 1 else words[0]
    staff = (
        f"please ask our staff before ordering (call us on {phone})"
        if phone
        else "please ask our staff before ordering"
    )
    return (
        f"I can't check our dishes for {named}: our allergen information covers only the 14 major allergens, "
        f"so {staff}."
    )


class ActionAnswerFaq(Action):
    """Opening hours, location and delivery from the backend's facts; any other question from
    retrieved documents, written by the LLM (or quoted, offline) and naming its source."""

    def name(self) -> str:
        return "action_answer_faq"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        topic = str(first_entity(tracker, "faq_topic") or "")
        if topic in STRUCTURED_TOPICS:
            async with backend_call(dispatcher, tracker, "faq", rejected=None) as call:
                restaurant = await wiring.backend().restaurant()
            if call.failed:
                return []
            dispatcher.utter_message(text=faq_text(topic, restaurant))
            return []
        answerer = await wiring.answerer()
        cost_before = _conversation_cost(tracker)
        changes, arm_events = experiment_changes(tracker)
        message_id = _message_id(tracker)
        publish = (lambda text: streaming.hub().publish(message_id, text)) if message_id else None
        try:
            answer = await answerer.answer(
                str(tracker.latest_message.get("text") or ""),
                conversation_id=tracker.sender_id,
                publish=publish,
                variant=str(changes.get("system_prompt_variant") or "standard"),
            )
        finally:
            if message_id:
                streaming.hub().close(message_id)
        events = arm_events + offline_notice(dispatcher, tracker, answer.mode)
        if answer.mode == "unknown":
            metrics.FALLBACKS.labels("unknown").inc()
        _say(dispatcher, answer.text, answer.used_llm, cost_before, tracker, retrieved_context=answer.sources)
        return events


class ActionFreeForm(Action):
    """NLU could not place the message: the LLM may answer, look dishes up or propose cart changes."""

    def name(self) -> str:
        return "action_free_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        metrics.FALLBACKS.labels("nlu").inc()
        client = wiring.backend()
        cart_events: list[EventType] = []

        async def cart_opener() -> Cart:
            cart, events = await open_cart(tracker, client)
            cart_events.extend(events)
            return cart

        host = await wiring.freeform()
        cost_before = _conversation_cost(tracker)
        reply = await host.reply(
            str(tracker.latest_message.get("text") or ""),
            conversation_id=tracker.sender_id,
            open_cart=cart_opener,
            cart=await _open_cart_if_any(tracker),
        )
        events = offline_notice(dispatcher, tracker, reply.mode) + cart_events
        if reply.text:
            _say(dispatcher, reply.text, reply.mode in ("llm", "cached"), cost_before, tracker)
        if reply.added and reply.cart is not None:
            dispatcher.utter_message(text=f"Added {', '.join(reply.added)}. {cart_text(reply.cart)}")
        if reply.wants_checkout:
            dispatcher.utter_message(
                text="Shall I take you to checkout to confirm your order?", buttons=YES_NO_BUTTONS
            )
            events += [
                SlotSet(slots.PENDING_COMMAND, {"kind": "checkout"}),
                SlotSet(slots.NEXT_FLOW, "clarify"),
            ]
        elif not reply.text and not reply.added:
            dispatcher.utter_message(response="utter_default")
        return events


def _message_id(tracker: Tracker) -> str | None:
    """The id the website widget gave this message, to stream the answer to (see actions/streaming.py)."""
    value = (tracker.latest_message.get("metadata") or {}).get("message_id")
    return str(value)[:64] if value and re.fullmatch(r"[A-Za-z0-9_-]{8,64}", str(value)) else None


async def _open_cart_if_any(tracker: Tracker) -> Cart | None:
    try:
        cart = await current_cart(tracker, wiring.backend())
    except (BackendUnavailable, BackendRejected):
        return None
    return cart if cart is not None and cart.lines else None
