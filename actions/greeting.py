"""The greeting, through an action so the `greeting` experiment (experiments.yml) can pick its copy.

Each arm names a response of the domain (`greeting_response`); an unknown name falls back to
utter_greet, so a typo in experiments.yml never leaves a guest without a greeting.
"""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.experimenting import experiment_changes

logger = logging.getLogger(__name__)
DEFAULT_GREETING = "utter_greet"


class ActionGreet(Action):
    def name(self) -> str:
        return "action_greet"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        changes, events = experiment_changes(tracker)
        response = str(changes.get("greeting_response") or DEFAULT_GREETING)
        if response not in (domain.get("responses") or {}):
            logger.warning(
                "greeting experiment names unknown response %s",
                response,
                extra={"conversation_id": tracker.sender_id},
            )
            response = DEFAULT_GREETING
        dispatcher.utter_message(response=response)
        return events
