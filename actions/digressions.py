"""Questions in the middle of a form: answered, never taken as a cart change, and the form goes on.

The forms ask one thing at a time (a dish, a size, pickup or delivery, a postcode, ...). A guest may
ask something else first: the opening hours, a dish's allergens, the delivery area, their cart.
Rules answer the question intents and the form asks its question again (data/rules.yml). This
module covers what NLU gets wrong around them:

- a question NLU is not sure about that came out as a cart or order command ("wait, what time do
  you close today?" as change_quantity at 0.48): the command's action answers it instead of asking
  "Did you mean to change ...?" about the cart (`unsure_question`, `answer_question`); when the
  order form's slot mappings took a value out of it ("does the garlic bread have gluten?" as an
  unsure order_item would make the garlic bread the dish), the form puts the slots back and steps
  aside, so the same actions answer it (ValidateOrderForm.run);
- a message a form could not use (nlu_fallback, or an inform without the asked-for value, such
  as "is delivery free?" read as inform): `action_form_digression` answers it when it reads as a
  question, else says it didn't understand; either way the form then asks again. It never calls
  the free-form host, whose tools could change the cart in the middle of a form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import entity_values, is_confident
from actions.info_actions import ActionItemDetails
from actions.llm_actions import ActionAnswerFaq

# "wait, what time ...", "hang on, do you ...", "sorry, is the ...": a question, perhaps after an
# interjection. A trailing "?" counts too.
_INTERJECTION = r"(?:wait|hang on|hold on|sorry|oh|ah|um+|hm+|ok|okay|actually|one sec|one second|btw|by the way|and|so|also|quick question)"
_QUESTION_START = re.compile(
    rf"^(?:{_INTERJECTION}\W+)*"
    r"(?:what|what's|whats|when|where|which|who|why|how|do|does|did|is|are|was|can|could|will|would|have|has|any)\b"
)
# Entities only a question names: a restaurant topic, or an allergen or detail (price, spiciness,
# ...) of a dish. A diet counts only beside a dish ("is the margherita vegetarian?"): alone it is
# too often something else ("is delivery free?" comes out as the diet "delivery free").
_FAQ_ENTITIES = ("faq_topic",)
_DISH_QUESTION_ENTITIES = ("allergen", "detail")
_DISH_ENTITIES = ("dish", "mention")


def reads_as_question(text: str | None) -> bool:
    text = " ".join(str(text or "").lower().split())
    return text.endswith("?") or bool(_QUESTION_START.match(text))


def question_kind(tracker: Tracker) -> str | None:
    """What the latest message asks about, from the entities NLU found in it: "faq" (hours,
    delivery, payment, ...), "dish" (an allergen, a detail such as price or spiciness, a dish's
    diet), or None when it names neither."""
    if any(entity_values(tracker, name) for name in _FAQ_ENTITIES):
        return "faq"
    if any(entity_values(tracker, name) for name in _DISH_QUESTION_ENTITIES):
        return "dish"
    if entity_values(tracker, "dietary") and any(entity_values(tracker, name) for name in _DISH_ENTITIES):
        return "dish"
    return None


def unsure_question(tracker: Tracker) -> bool:
    """Whether a message NLU placed in a command without confidence is really a question: it reads
    as one, names a question's topic, and says no quantity. Such a message is answered, never
    turned into "Did you mean to change ...?" about the cart."""
    return (
        not is_confident(tracker)
        and not entity_values(tracker, "quantity")
        and reads_as_question(tracker.latest_message.get("text"))
        and question_kind(tracker) is not None
    )


def slots_before_this_message(tracker: Tracker, names: Iterable[str]) -> list[EventType]:
    """Events that put these slots back to their values before the latest message (a slot mapping
    took a value out of a question)."""
    before: dict[str, Any] = {}
    seen_message = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_message = True
        elif seen_message and event.get("event") == "slot" and event.get("name") not in before:
            before[event.get("name")] = event.get("value")
    return [SlotSet(name, before.get(name)) for name in names]


async def answer_question(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
) -> list[EventType]:
    """Answer the latest message as a question: a dish's facts from the backend when it asks about
    a dish, else restaurant facts for its topic or, with no topic, the retrieved documents."""
    if question_kind(tracker) == "dish":
        return await ActionItemDetails().run(dispatcher, tracker, domain)
    return await ActionAnswerFaq().run(dispatcher, tracker, domain)


class ActionFormDigression(Action):
    """A message the active form could not use: answered when it is a question, else "Sorry, I
    didn't quite get that"; the rules then return to the form, which asks its question again."""

    def name(self) -> str:
        return "action_form_digression"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if reads_as_question(tracker.latest_message.get("text")):
            return await answer_question(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_default")
        return []
