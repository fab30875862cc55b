"""The self-check mode of the Rasa server's speedups (TRACKER_STATES_SELF_CHECK=1, as the test stack
runs): each remembered or reused result is also computed Rasa's ordinary way, and a difference is
logged with FAILED and raised. Logged as well as raised because Rasa swallows exceptions in some
places the checks run (a tracker copy inside an action run); the test stack looks for FAILED in the
Rasa server's log when it stops."""
from __future__ import annotations

import logging
from typing import NoReturn

from tracker_store.settings import get_settings

logger = logging.getLogger(__name__)

VARIABLE = "TRACKER_STATES_SELF_CHECK"
FAILED = "tracker self-check failed"


def enabled() -> bool:
    return get_settings().tracker_states_self_check == "1"


def fail(what: str) -> NoReturn:
    logger.error("%s: %s", FAILED, what)
    raise AssertionError(what)
