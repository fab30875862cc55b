"""Dialogue states and applied events remembered between predictions, so featurising a turn does not
replay the whole conversation.

Before each prediction Rasa's policies ask `Domain.states_for_tracker_history`, which replays every
applied event of the session into a fresh tracker and computes a state before each action: work that
grows with the conversation (past_states was half of a turn at 1,600 events). The states before an
action depend only on the events before it, so this keeps, per conversation and argument set, the
states computed so far, the replay tracker where it stopped and the loop's two variables, and goes on
from there when the next call's applied events start with the same event objects (the incremental
tracker store hands every turn the same Event objects for what it read before). Anything else (an
undo, a restart, another domain) is computed the ordinary way and remembered afresh.

`DialogueStateTracker.applied_events` (the events left after undos, asked many times a turn) goes on
the same way from where it stopped, unless a loop appears that was not seen before (Rasa's undo rule
for loops looks at every loop of the conversation).

The rule policy also wrote every state of the conversation into a text for a debug log line on each
prediction (6 % of a turn at 1,600 events), whether or not debug lines are logged: that text is now
written only when the line is (`LazyStatesText`).

`install()` wraps the three methods once per process; the Rasa server does it when the incremental tracker
store is created (training never builds one). With TRACKER_STATES_SELF_CHECK=1 every call is also
computed the ordinary way and a difference raises: the test stack runs that way.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from dataclasses import dataclass, field
from typing import Any

from rasa.core.policies.policy import Policy
from rasa.shared.core import constants
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from tracker_store import self_check

logger = logging.getLogger(__name__)

MAX_CONVERSATIONS = 1000
# Rasa 3.6's featurizers change only the last state of what they get (the latest user input, text or
# intent); copying every state of a long conversation for each prediction cost 5 % of a turn. The
# self-check mode compares the remembered states with freshly computed ones each call, so a caller
# that changed an older state would show there.
COPIED_TAIL = 10


@dataclass
class Progress:
    """How far the states of one conversation (for one argument set) have been computed."""

    events: list[Event]  # the applied events replayed so far
    replay: DialogueStateTracker  # a tracker with exactly those events applied
    states: list[dict[str, Any]] = field(default_factory=list)  # one per ActionExecuted in `events`
    last_ml_action_sub_state: Any = None  # Rasa types it two ways: Dict[Text, Text] and SubState
    turn_was_hidden: bool = False
    mark: EventsMark | None = None  # the tracker events the last answer was for
    final: dict[str, Any] | None = None  # that answer's state after the last event


@dataclass
class Applied:
    """How far `applied_events` of one conversation has been worked out."""

    event_ids: list[int]  # id() of the tracker events read so far, in order
    loop_names: frozenset[str]  # names of every loop activated in them (Rasa's undo rule depends on it)
    applied: list[Event] = field(default_factory=list)
    mark: EventsMark | None = None  # the tracker events `applied` was worked out for


EventsMark = tuple[deque[Event], int, Event | None]


def events_mark(tracker: DialogueStateTracker) -> EventsMark:
    """What tells that a tracker's events are unchanged since: Rasa only appends to a tracker's event
    deque (or gives it a new one), so the same deque with the same length and last event holds the same
    events. Rasa asks for the states and the applied events many times a turn with nothing new."""
    events = tracker.events
    return events, len(events), events[-1] if events else None


def same_events(mark: EventsMark | None, now: EventsMark) -> bool:
    return mark is not None and mark[0] is now[0] and mark[1] == now[1] and mark[2] is now[2]


_progress: OrderedDict[tuple[Any, ...], Progress] = OrderedDict()
_applied: OrderedDict[tuple[Any, ...], Applied] = OrderedDict()
_original = Domain.states_for_tracker_history
_original_applied = DialogueStateTracker.applied_events


def _remember(memo: OrderedDict[tuple[Any, ...], Any], key: tuple[Any, ...], value: Any) -> None:
    memo[key] = value
    memo.move_to_end(key)
    while len(memo) > MAX_CONVERSATIONS:
        memo.popitem(last=False)


def applied_events(self: DialogueStateTracker) -> list[Event]:
    """DialogueStateTracker.applied_events, going on from where the last call for this conversation
    stopped when the events start with the same objects and no new loop appeared."""
    key, mark = (self.sender_id, self.is_rule_tracker), events_mark(self)
    done = _applied.pop(key, None)
    if done is not None and same_events(done.mark, mark):
        _remember(_applied, key, done)
        return _checked_applied(self, list(done.applied))
    events = list(self.events)
    ids = list(map(id, events))
    new_loops = (
        frozenset(e.name for e in events[len(done.event_ids) :] if isinstance(e, ActiveLoop) and e.name)
        if done is not None
        else frozenset()
    )
    if (
        done is None
        or len(done.event_ids) > len(ids)
        or ids[: len(done.event_ids)] != done.event_ids
        or not new_loops <= done.loop_names
    ):
        loops = frozenset(e.name for e in events if isinstance(e, ActiveLoop) and e.name)
        done = Applied(event_ids=[], loop_names=loops)
    for event in events[len(done.event_ids) :]:
        _apply(self, event, done)
    done.event_ids, done.mark = ids, mark
    _remember(_applied, key, done)
    return _checked_applied(self, list(done.applied))


def _checked_applied(tracker: DialogueStateTracker, result: list[Event]) -> list[Event]:
    if self_check.enabled() and list(map(id, _original_applied(tracker))) != list(map(id, result)):
        self_check.fail(f"remembered applied events differ for {tracker.sender_id}")
    return result


def _apply(tracker: DialogueStateTracker, event: Event, done: Applied) -> None:
    """One step of Rasa's loop in DialogueStateTracker.applied_events."""
    applied = done.applied
    if isinstance(event, (Restarted, SessionStarted)):
        applied.clear()
    elif isinstance(event, ActionReverted):
        tracker._undo_till_previous(ActionExecuted, applied)
    elif isinstance(event, UserUtteranceReverted):
        tracker._undo_till_previous(UserUttered, applied)
        tracker._undo_till_previous(ActionExecuted, applied)
    elif (
        isinstance(event, ActionExecuted)
        and event.action_name in done.loop_names
        and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)
    ):
        tracker._undo_till_previous_loop_execution(event.action_name, applied)
    else:
        applied.append(event)


def _key(
    domain: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> tuple[Any, ...]:
    return (
        id(domain),
        tracker.sender_id,
        tracker.is_rule_tracker,
        omit_unset_slots,
        ignore_rule_only_turns,
        repr(sorted((rule_only_data or {}).items())),
    )


def _same_start(done: list[Event], applied: list[Event]) -> bool:
    return len(done) <= len(applied) and list(map(id, done)) == list(map(id, applied[: len(done)]))


def _state(
    domain: Domain,
    progress: Progress,
    tr: DialogueStateTracker,
    hide_rule_turn: bool,
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
    states: list[dict[str, Any]],
) -> dict[str, Any] | None:
    """The body of Rasa's loop in Domain.states_for_tracker_history, for one prior tracker."""
    if ignore_rule_only_turns:
        if not progress.turn_was_hidden:
            progress.last_ml_action_sub_state = domain._get_prev_action_sub_state(tr)
        if not tr.followup_action and tr.latest_action_name != tr.active_loop_name:
            progress.turn_was_hidden = hide_rule_turn
        if progress.turn_was_hidden:
            return None
    state = domain.get_active_state(tr, omit_unset_slots=omit_unset_slots)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if progress.last_ml_action_sub_state:
            state[constants.PREVIOUS_ACTION] = progress.last_ml_action_sub_state
    return domain._clean_state(state)


def states_for_tracker_history(
    self: Domain,
    tracker: DialogueStateTracker,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    key, mark = (
        _key(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data),
        events_mark(tracker),
    )
    progress = _progress.pop(key, None)
    if progress is not None and same_events(progress.mark, mark):
        _remember(_progress, key, progress)
        return _handed_out(
            self,
            tracker,
            progress.states + ([progress.final] if progress.final is not None else []),
            omit_unset_slots,
            ignore_rule_only_turns,
            rule_only_data,
        )
    applied = tracker.applied_events()
    if progress is None or not _same_start(progress.events, applied):
        progress = Progress(events=[], replay=tracker.init_copy())
    args = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    for event in applied[len(progress.events) :]:
        if isinstance(event, ActionExecuted):
            state = _state(self, progress, progress.replay, event.hide_rule_turn, *args, progress.states)
            if state is not None:
                progress.states.append(state)
        progress.replay.update(event)
        progress.events.append(event)
    # the state after the last event: computed for this call only, as more events will follow
    saved = (progress.last_ml_action_sub_state, progress.turn_was_hidden)
    final = _state(self, progress, progress.replay, False, *args, progress.states)
    progress.last_ml_action_sub_state, progress.turn_was_hidden = saved
    progress.mark, progress.final = mark, final
    _remember(_progress, key, progress)
    return _handed_out(
        self,
        tracker,
        progress.states + ([final] if final is not None else []),
        omit_unset_slots,
        ignore_rule_only_turns,
        rule_only_data,
    )


def _handed_out(
    self: Domain,
    tracker: DialogueStateTracker,
    states: list[dict[str, Any]],
    omit_unset_slots: bool,
    ignore_rule_only_turns: bool,
    rule_only_data: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    if self_check.enabled():
        expected = _original(self, tracker, omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        if states != expected:
            self_check.fail(f"remembered dialogue states differ for {tracker.sender_id}")
    # callers change the states they get (featurizers drop keys from the latest user input): the
    # latest states are handed out as copies, older ones as they are remembered (see COPIED_TAIL)
    tail = max(len(states) - COPIED_TAIL, 0)
    return states[:tail] + [{name: dict(sub) for name, sub in state.items()} for state in states[tail:]]


_format_tracker_states = Policy.format_tracker_states


class LazyStatesText:
    """Policy.format_tracker_states's text, written when a log line renders it (str or repr)."""

    def __init__(self, states: list[dict[str, Any]]) -> None:
        self._states = states

    def __str__(self) -> str:
        return _format_tracker_states(self._states)

    __repr__ = __str__

    def __deepcopy__(self, memo: dict[int, Any]) -> LazyStatesText:
        return self  # the log call copies it; the states it reads are not changed afterwards


def install() -> None:
    """Use the remembering versions in this process (idempotent)."""
    # a lazy text where Rasa's returns a str: its one caller (the rule policy) only logs it
    Policy.format_tracker_states = staticmethod(LazyStatesText)  # type: ignore[assignment]
    # replacing Rasa's methods is the point (mypy still checks the replacements' signatures)
    Domain.states_for_tracker_history = states_for_tracker_history  # type: ignore[method-assign]
    DialogueStateTracker.applied_events = applied_events  # type: ignore[method-assign]
