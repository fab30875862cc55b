"""A fix for the Rasa server's cost per custom action, applied when our channels are loaded.

Rasa 3.6 checks every action-server response with `jsonschema.validate`, which first re-checks the
(constant) response schema against the 2020-12 meta-schema: about 50 ms of CPU per custom action
on this machine, half of the Rasa process's time under load. Here the schema is checked once and
one validator is reused (about 1.5 ms per response); a malformed response is refused exactly as
before, with Rasa's own message.
"""
from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any, Dict, Text

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


def apply() -> bool:
    """Install the fix once; only on the Rasa 3.6 whose method it replaces."""
    if RemoteAction._validate_action_result is _validate_action_result:
        return True
    if not rasa.__version__.startswith("3.6."):
        logger.warning("Rasa %s: action response validation left as it is (the fix is for 3.6)", rasa.__version__)
        return False
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    return True
