"""Answers from backend facts: the menu, a dish's details, restaurant FAQs, handoff, recommendations."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import metrics, slots, wiring
from actions.backend_calls import backend_call
from actions.backend_client import BackendRejected, BackendUnavailable, MenuItem
from actions.common import entity_values, first_entity, mentioned_item_id
from actions.core.formatting import allergen_list, item_line, menu_cards, money
from actions.core.matching import match_dish
from actions.settings import get_settings

logger = logging.getLogger(__name__)

SPICE_WORDS = {0: "not spicy at all", 1: "mildly spicy", 2: "medium spicy", 3: "very spicy"}


def public_url() -> str:
    settings = get_settings()
    return settings.backend_public_url or settings.backend_url


def _item_buttons(items: list[MenuItem]) -> list[dict[str, str]]:
    return [
        {"title": f"Add {item.name}", "payload": f'/order_item{{"dish": "{item.name}"}}'}
        for item in items
        if item.available
    ]


class ActionShowMenu(Action):
    def name(self) -> str:
        return "action_show_menu"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        category = first_entity(tracker, "category")
        dietary = [str(value) for value in entity_values(tracker, "dietary")]
        filters = {
            key: value for key, value in {"category": category, "dietary": ",".join(dietary)}.items() if value
        }
        async with backend_call(dispatcher, tracker, "menu") as call:
            items = (
                await wiring.backend().search_items(**filters) if filters else await wiring.backend().menu()
            )
        if call.failed:
            return []
        if not items:
            dispatcher.utter_message(
                text='I found nothing on the menu matching that. Try another category or "show the menu".'
            )
            return []
        if not filters:
            categories = sorted({item.category.name for item in items})
            dispatcher.utter_message(
                text=f"We have {len(items)} dishes in: {', '.join(categories)}. Which would you like to see?",
                buttons=[
                    {"title": name, "payload": f'/browse_menu{{"category": "{slug}"}}'}
                    for slug, name in sorted({(item.category.slug, item.category.name) for item in items})
                ],
            )
            return []
        heading = " ".join(
            [*(tag.replace("_", "-") for tag in dietary), (items[0].category.name if category else "dishes")]
        )
        lines = "\n".join(f"• {item_line(item)}" for item in items[:15])
        dispatcher.utter_message(text=f"Here are our {heading}:\n{lines}", buttons=_item_buttons(items[:5]))
        dispatcher.utter_message(
            elements=menu_cards([item for item in items[:10] if item.available], public_url())
        )
        return []


class ActionItemDetails(Action):
    """Price, allergens, ingredients, spiciness and sizes of one dish, straight from the backend."""

    def name(self) -> str:
        return "action_item_details"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if first_entity(tracker, "faq_topic") is not None and not _names_a_dish(tracker):
            # "how much is delivery?" read as a dish question: it names the restaurant's topic and
            # no dish, so it is not about the dish being ordered
            from actions.llm_actions import ActionAnswerFaq  # llm_actions imports this module

            return await ActionAnswerFaq().run(dispatcher, tracker, domain)
        async with backend_call(dispatcher, tracker, "item details", rejected=None) as call:
            menu = await wiring.backend().menu()
        if call.failed:
            return []
        item = _referenced_item(tracker, menu)
        recommendations = tracker.get_slot(slots.LAST_RECOMMENDATIONS) or []
        if item is None and first_entity(tracker, "mention") is not None and recommendations:
            by_id = {i.id: i for i in menu}
            choices = [by_id[int(item_id)] for item_id in recommendations if int(item_id) in by_id]
            dispatcher.utter_message(
                text="Which one do you mean?",
                buttons=[
                    {"title": item.name, "payload": f'/ask_item_details{{"dish": "{item.name}"}}'}
                    for item in choices
                ],
            )
            return []
        if item is None:
            dish = first_entity(tracker, "dish")
            if dish:
                match = match_dish(str(dish), menu)
                hint = (
                    f" Did you mean {', '.join(i.name for i in match.suggestions)}?"
                    if match.suggestions
                    else ""
                )
                dispatcher.utter_message(text=f'I couldn\'t find "{str(dish)[:60]}" on our menu.{hint}')
            else:
                dispatcher.utter_message(text="Which dish would you like to know about?")
            return []
        gone = f"{item.name} has just come off our menu, sorry."
        async with backend_call(dispatcher, tracker, "item details", rejected=lambda _: gone) as call:
            item = await wiring.backend().item(item.id)  # the price and allergens as they are now, not cached
        if call.failed:
            return []
        dispatcher.utter_message(text=details_text(item, tracker))
        return [SlotSet(slots.LAST_DISH_ID, item.id)]


def _names_a_dish(tracker: Tracker) -> bool:
    return first_entity(tracker, "dish") is not None or first_entity(tracker, "mention") is not None


def _referenced_item(tracker: Tracker, menu: list[MenuItem]) -> MenuItem | None:
    dish = first_entity(tracker, "dish")
    if dish:
        return match_dish(str(dish), menu).item
    if first_entity(tracker, "mention") is not None:
        mentioned = mentioned_item_id(tracker)
        return next((item for item in menu if item.id == mentioned), None)
    for slot in (
        slots.DISH_ID,
        slots.LAST_DISH_ID,
    ):  # "is it spicy?" about the dish being ordered or discussed
        value = tracker.get_slot(slot)
        if value is not None:
            return next((item for item in menu if item.id == int(value)), None)
    return None


def details_text(item: MenuItem, tracker: Tracker) -> str:
    details = {str(value) for value in entity_values(tracker, "detail")}
    asked_allergens = {str(value) for value in entity_values(tracker, "allergen")}
    parts: list[str] = []
    if asked_allergens:
        present = sorted(asked_allergens & set(item.allergens))
        absent = sorted(asked_allergens - set(item.allergens))
        if present:
            parts.append(f"Yes, the {item.name} contains {allergen_list(present)}.")
        if absent:
            parts.append(f"The {item.name} has no {allergen_list(absent)} in its recipe.")
    if "allergens" in details or asked_allergens:
        listed = allergen_list(item.allergens) if item.allergens else "none of the 14 major allergens"
        parts.append(
            f"Allergens in the {item.name}: {listed}. Please tell staff about severe allergies: "
            "our kitchen handles all 14 allergens."
        )
    if "price" in details:
        parts.append(f"The {item.name} is {money(item.price, item.currency)}.")
    if "ingredients" in details:
        parts.append(f"It's made with {', '.join(item.ingredients)}.")
    if "spiciness" in details:
        parts.append(f"It's {SPICE_WORDS.get(item.spice_level, 'spicy')}.")
    if "size" in details:
        sizes = item.options_in("size")
        parts.append(
            "Sizes: "
            + ", ".join(
                f"{o.name} ({'+' + money(o.price_delta, item.currency) if o.price_delta else 'base price'})"
                for o in sizes
            )
            if sizes
            else f"The {item.name} comes in one size."
        )
    if not parts:
        tags = (
            f" ({', '.join(tag.replace('_', '-') for tag in item.dietary_tags)})" if item.dietary_tags else ""
        )
        parts.append(
            f"{item.name}{tags}: {item.description} {money(item.price, item.currency)}. "
            f"Allergens: {allergen_list(item.allergens) or 'none of the 14 major allergens'}."
        )
    if not item.available:
        parts.append("It's sold out today, sorry.")
    return " ".join(parts)


FAQ_POLICY = {
    "allergy_policy": "allergens",
    "cancellation": "cancellations",
    "refunds": "refunds",
    "reservations": "reservations",
    "accessibility": "accessibility",
    "payment": "payment-methods",
    "delivery": "delivery",
    "hours": "opening-hours",
}


def faq_text(topic: str, restaurant: dict[str, Any]) -> str:
    policies = {policy["slug"]: policy for policy in restaurant.get("policies", [])}
    if topic == "hours":
        hours = "; ".join(
            f"{entry['day'].capitalize()} {entry['opens']}–{entry['closes']}"
            for entry in restaurant.get("opening_hours", [])
        )
        return f"Our opening hours: {hours or 'please call us'}."
    if topic in ("location", "contact", "parking"):
        extra = (
            f" {policies['accessibility']['body']}"
            if topic == "parking" and "accessibility" in policies
            else ""
        )
        return f"{restaurant.get('name')} is at {restaurant.get('address')}. Phone: {restaurant.get('phone')}.{extra}"
    if topic in ("delivery", "minimum_order"):
        zones = "; ".join(
            f"{zone['name']} (postcodes {', '.join(zone['postcodes'])}): fee {money(zone['fee'], restaurant.get('currency', 'EUR'))}, "
            f"minimum {money(zone['min_order'], restaurant.get('currency', 'EUR'))}, about {zone['eta_minutes']} min"
            for zone in restaurant.get("delivery_zones", [])
        )
        return f"We deliver to: {zones}. Pickup is always possible."
    policy = policies.get(FAQ_POLICY.get(topic, topic))
    if policy:
        return f"{policy['title']}: {policy['body']}"
    titles = ", ".join(policy["title"] for policy in policies.values())
    return f"I can tell you about our opening hours, location, delivery, and these policies: {titles}. What would you like to know?"


class ActionHandoff(Action):
    def name(self) -> str:
        return "action_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        reason = str(tracker.latest_message.get("text") or "")[:500]
        try:
            handoff = await wiring.backend().request_handoff(conversation_id=tracker.sender_id, reason=reason)
        except (BackendUnavailable, BackendRejected):
            logger.warning("handoff not recorded", extra={"conversation_id": tracker.sender_id})
            dispatcher.utter_message(
                text="I couldn't reach our staff system just now. Please call the restaurant directly and a person will help you."
            )
            return []
        metrics.HANDOFFS.inc()
        if not handoff.staff_available:
            call = f" You can call us on {handoff.phone} when we're open, or" if handoff.phone else " You can"
            dispatcher.utter_message(
                text=f"We're closed right now, so no one from the team can join.{call} carry on "
                "here with me: I can still answer questions and take your order for later."
            )
            return []
        minutes = handoff.expected_response_minutes or 10
        dispatcher.utter_message(
            text=f"I've asked a member of our team to join (request #{handoff.id}). Someone will reply here "
            f"within about {minutes} minutes. Your cart is kept."
        )
        return [SlotSet(slots.HANDOFF_REQUESTED, True)]
