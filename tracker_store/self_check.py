"""The self-check mode of the Rasa server's speedups (TRACKER_STATES_SELF_CHECK=1, as the test stack
runs): each remembered or reused result is also computed Rasa's ordinary way, and a difference is
logged with FAILED and raised. Logged as well as raised because Rasa swallows exceptions in some
places the checks run (a tracker copy inside an action run); the test stack looks for FAILED in the
Rasa server's log when it stops."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:  # the tests read FAILED from the app environment, which has no Rasa
    from rasa.shared.core.trackers import DialogueStateTracker

from tracker_store.settings import get_settings

logger = logging.getLogger(__name__)

VARIABLE = "TRACKER_STATES_SELF_CHECK"
FAILED = "tracker self-check failed"


def enabled() -> bool:
    return get_settings().tracker_states_self_check == "1"


def fail(what: str) -> NoReturn:
    logger.error("%s: %s", FAILED, what)
    raise AssertionError(what)


def same_tracker(tracker: DialogueStateTracker, rasas: DialogueStateTracker, what: str) -> None:
    """Fail unless `tracker` is the one Rasa's own way built (`rasas`): the very same Event objects,
    the same state with every event, the same slot values and the same latest bot message."""
    same_events = len(tracker.events) == len(rasas.events) and all(
        a is b for a, b in zip(tracker.events, rasas.events, strict=False)
    )
    mine, theirs = _picture(tracker), _picture(rasas)
    if not same_events or mine != theirs:
        differing = sorted(key for key in mine if mine[key] != theirs.get(key))
        fail(
            f"{what} of {tracker.sender_id} differs from Rasa's in {differing or ['the event objects']}: "
            f"{[(mine[key], theirs.get(key)) for key in differing if key != 'events']}"
        )


def _picture(tracker: DialogueStateTracker) -> dict[str, Any]:
    from rasa.shared.core.trackers import EventVerbosity

    return {
        **tracker.current_state(EventVerbosity.ALL),
        "slot values": {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()},
        "latest bot utterance": tracker.latest_bot_utterance,
    }
