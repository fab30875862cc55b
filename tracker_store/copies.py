"""A tracker copy that does not replay the conversation.

Before every action Rasa 3.6's processor takes `tracker.copy()` (a scratch tracker it can throw away
if the action is rejected), and `copy()` replays every event of the session into a fresh tracker:
at 1,600 events that was 5 % of the Rasa process and it grows with the conversation. A tracker's
state is by Rasa's own rule "re-creatable by processing all the events", so the copy here takes the
events and the state they produced instead: the same events (the Event objects are shared, as the
replay shares them), copies of the slots, the active loop and the latest action, and the same latest
messages. The follow-up action is the one exception: the processor clears it without an event just
before running that very action, and the replayed copy (which the action call is made from) has it
again, so it is taken from the last event that sets or clears it, as the replay would. After an undo
or rewind (which replay the conversation themselves), and for trackers of other kinds (rule trackers,
slot-less ones), the copy is made the ordinary way.

`install()` replaces `DialogueStateTracker.copy` once per process; the incremental tracker store does
it. With TRACKER_STATES_SELF_CHECK=1 every copy is compared with Rasa's replayed one and a difference
is logged and raised (tracker_store/self_check.py): the test stack runs that way.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Reversible

from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from tracker_store import self_check

_replayed_copy = DialogueStateTracker.copy


def _replayed_followup_action(events: Reversible[Event]) -> tuple[bool, str | None]:
    """(whether it is known here, the follow-up action) a replay of these events ends with."""
    for event in reversed(events):
        if isinstance(event, FollowupAction):
            return True, event.action_name
        if isinstance(event, (ActionExecuted, UserUttered)):
            return True, None
        if isinstance(event, Restarted):
            return True, ACTION_SESSION_START_NAME
        if isinstance(event, SessionStarted):
            return True, ACTION_LISTEN_NAME
        if isinstance(event, (UserUtteranceReverted, ActionReverted)):
            return False, None
    return True, ACTION_LISTEN_NAME


def state_copy(self: DialogueStateTracker) -> DialogueStateTracker:
    """DialogueStateTracker.copy without replaying the events (see the module's docstring)."""
    known, followup_action = _replayed_followup_action(self.events)
    if type(self) is not DialogueStateTracker or type(self.slots) is not dict or not known:
        return _replayed_copy(self)
    duplicate = DialogueStateTracker(
        self.sender_id, None, self._max_event_history, is_rule_tracker=self.is_rule_tracker
    )
    duplicate.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
    duplicate.events = duplicate._create_events(list(self.events))
    duplicate._paused = self._paused
    duplicate.followup_action = followup_action
    duplicate.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    duplicate.latest_message = self.latest_message
    duplicate.latest_bot_utterance = self.latest_bot_utterance
    duplicate.active_loop = dataclasses.replace(self.active_loop) if self.active_loop else self.active_loop
    if self_check.enabled():
        self_check.same_tracker(duplicate, _replayed_copy(self), "the copy")
    return duplicate


def install() -> None:
    """Use the copy that does not replay in this process (idempotent)."""
    # replacing Rasa's method is the point (mypy still checks the replacement's signature)
    DialogueStateTracker.copy = state_copy  # type: ignore[method-assign]
