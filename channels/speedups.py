"""Two fixes for the Rasa server's cost per custom action, applied when our channels are loaded.

Response check: Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first
re-checks the (constant) response schema against the 2020-12 meta-schema: about 50 ms of CPU per
custom action on this machine, half of the Rasa process's time under load. Here the schema is checked
once and one validator is reused (about 1.5 ms per response); a malformed response is refused
exactly as before, with Rasa's own message.

Request size: every action call carries the whole session's events, so in a long conversation most
of a turn went into writing that JSON in Rasa and reading it in the action server (at 1,800 events,
a quarter of the Rasa process's time and a third of the action server's). Events older than the
guest's last RECENT_MESSAGES messages are sent without what no action reads: a user message keeps
its text, intent name, entities, channel and metadata (the ranking of other intents and the tokens
go), a bot message keeps its text (its buttons and cards go). Slot, action and every other event are
sent whole, and recent events untouched: `actions/` reads old user messages (allergies stated
earlier) and slot events (values before a message), never old buttons or intent rankings.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, List, Text

import jsonschema
import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

logger = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def response_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
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


def slim_events(events: List[Dict[Text, Any]], recent_messages: int = RECENT_MESSAGES) -> List[Dict[Text, Any]]:
    """The events of an action call, old ones without what no action reads (see the module's doc)."""
    users = [index for index, event in enumerate(events) if event.get("event") == "user"]
    if len(users) <= recent_messages:
        return events
    cut = users[-recent_messages]
    return [_slim(event) for event in events[:cut]] + events[cut:]


def _slim(event: Dict[Text, Any]) -> Dict[Text, Any]:
    kind = event.get("event")
    if kind == "user" and isinstance(event.get("parse_data"), dict):
        parse = event["parse_data"]
        intent = parse.get("intent") or {}
        kept = {key: parse[key] for key in USER_PARSE_KEPT if key in parse}
        kept["intent"] = {"name": intent.get("name"), "confidence": intent.get("confidence")}
        return {**event, "parse_data": kept}
    if kind == "bot" and event.get("data"):
        return {**event, "data": {}}
    return event


_rasa_action_call_format = RemoteAction._action_call_format


def _action_call_format(self: RemoteAction, tracker: Any, domain: Any) -> Dict[Text, Any]:
    call = _rasa_action_call_format(self, tracker, domain)
    call["tracker"]["events"] = slim_events(call["tracker"].get("events") or [])
    return call


def apply() -> bool:
    """Install the fixes once; only on the Rasa 3.6 whose methods they replace."""
    if RemoteAction._validate_action_result is _validate_action_result:
        return True
    if not rasa.__version__.startswith("3.6."):
        logger.warning("Rasa %s: action calls left as they are (the fixes are for 3.6)", rasa.__version__)
        return False
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
    return True
