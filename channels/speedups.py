"""Two fixes for the Rasa server's cost per custom action, applied when our channels are loaded.

Response check: Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first
re-checks the (constant) response schema against the 2020-12 meta-schema: about 50 ms of CPU per
custom action on this machine, half of the Rasa process's time under load. Here the schema is checked
once and one validator is reused (about 1.5 ms per response); a malformed response is refused
exactly as before, with Rasa's own message.

Request size: every action call carried the whole session's events, so in a long conversation most
of a turn went into writing that JSON in Rasa and reading it in the action server (at 1,800 events,
a quarter of the Rasa process's time and a third of the action server's). Events older than the
guest's last RECENT_MESSAGES messages are now sent only when an action can read them: user messages
stating what the guest can't eat (action_contract.CONSTRAINT_INTENTS; their text, intent name,
entities, channel and metadata, not the ranking of other intents or the tokens), the last value
each slot took among them, and the events that cut a conversation
(session start, restart, undo, rewind, slot reset, pause and resume). Old action, bot, loop and
featurisation events are left out, and recent events are sent whole. `actions/` reads old user
messages (allergies stated earlier) and the slot values before a message, never an old bot message,
action or intent ranking; tests/channels/test_speedups.py checks that the actions read the same facts
from both forms of a call.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, cast

import jsonschema
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionReverted,
    AllSlotsReset,
    ConversationPaused,
    ConversationResumed,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from action_contract import CONSTRAINT_INTENTS

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        response_validator().validate(result)
        return True
    except jsonschema.ValidationError as error:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error


RECENT_MESSAGES = 10  # the guest's latest messages whose events are sent whole
USER_PARSE_KEPT = ("intent", "entities", "text", "message_id")
OLD_KINDS_KEPT = frozenset(
    kind.type_name
    for kind in (
        UserUttered,
        SlotSet,
        SessionStarted,
        Restarted,
        UserUtteranceReverted,
        ActionReverted,
        AllSlotsReset,
        ConversationPaused,
        ConversationResumed,
    )
)


def call_events(events: list[Event], recent_messages: int = RECENT_MESSAGES) -> list[dict[str, Any]]:
    """The events of an action call as dicts, old ones only where an action reads them (module doc).

    Events are told apart by `type_name` (an isinstance check on Rasa's event classes is several
    times slower, and this runs over the whole conversation every action)."""
    kinds = [event.type_name for event in events]
    users = [index for index, kind in enumerate(kinds) if kind == UserUttered.type_name]
    if len(users) <= recent_messages:
        return [event.as_dict() for event in events]
    cut = users[-recent_messages]
    # (the casts: an event whose type_name is SlotSet's or UserUttered's is one)
    last_of_slot = {
        cast(SlotSet, events[index]).key: index for index in range(cut) if kinds[index] == SlotSet.type_name
    }
    kept = [
        event
        for index, event in enumerate(events[:cut])
        if kinds[index] in OLD_KINDS_KEPT
        and (kinds[index] != SlotSet.type_name or last_of_slot[cast(SlotSet, event).key] == index)
        and (
            kinds[index] != UserUttered.type_name
            or cast(UserUttered, event).intent_name in CONSTRAINT_INTENTS
        )
    ]
    return [_slim(event.as_dict()) for event in kept] + [event.as_dict() for event in events[cut:]]


def _slim(event: dict[str, Any]) -> dict[str, Any]:
    if event.get("event") == "user" and isinstance(event.get("parse_data"), dict):
        parse = event["parse_data"]
        intent = parse.get("intent") or {}
        kept = {key: parse[key] for key in USER_PARSE_KEPT if key in parse}
        kept["intent"] = {"name": intent.get("name"), "confidence": intent.get("confidence")}
        return {**event, "parse_data": kept}
    return event


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """RemoteAction._action_call_format of Rasa 3.6, with the events of `call_events`."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = call_events(list(tracker.events))
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def apply() -> bool:
    """Install the fixes once; only on the Rasa 3.6 whose methods they replace."""
    if RemoteAction._validate_action_result is _validate_action_result:
        return True
    if not rasa.__version__.startswith("3.6."):
        logger.warning("Rasa %s: action calls left as they are (the fixes are for 3.6)", rasa.__version__)
        return False
    # replacing Rasa's methods is the point (mypy still checks the replacements' signatures)
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
    return True
