"""Rasa's SQL tracker store, reading only the events it has not seen yet.

Rasa's SQLTrackerStore reads and deserialises every event of the conversation's session on every
turn, so a turn got slower the longer a guest stayed: at 300 turns (1,600 events) retrieval was 60 %
of a turn that cost 5.7x a turn at the start. This store keeps the session's events, already turned
into Rasa Event objects, for recently active conversations in this process, and on each turn asks
the table only for rows after the last one it has: two small indexed queries instead of the whole
session.

It stays correct with several Rasa processes sharing the table: the rows are the truth, and the
cache is checked against them each turn (the number of the conversation's rows up to the last one
seen must not have changed, else the session is read afresh, as after a deletion). The session rule
is Rasa's own: events from the latest `session_started` on (by timestamp). Writing is unchanged.

    tracker_store:
      type: tracker_store.incremental.IncrementalSQLTrackerStore
      ...the SQL store's own settings...
      cached_conversations: 1000   # conversations kept in memory, least recently used dropped first
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from tracker_store import copies, predictions, self_check, states

logger = logging.getLogger(__name__)

DEFAULT_CACHED_CONVERSATIONS = 1000


@dataclass
class SessionEvents:
    """One conversation's latest session as read so far."""

    last_id: int = 0  # the highest row id of the conversation read (any session)
    rows_seen: int = 0  # how many of the conversation's rows have an id up to last_id
    session_start: float | None = None  # timestamp of the latest session_started, if any
    entries: list[tuple[float, Event]] = field(default_factory=list)  # (timestamp, event) of the session
    tracker: DialogueStateTracker | None = None  # the last tracker handed out or saved, built from `entries`
    tracker_domain: Domain | None = None  # the domain whose slots that tracker has
    tracker_mark: states.EventsMark | None = None  # that tracker's events when handed out or saved

    @property
    def tracker_length(self) -> int:
        return self.tracker_mark[1] if self.tracker_mark is not None else 0

    def add(self, rows: list[Any]) -> None:
        """Rows of the conversation after `last_id`, in id order; Rasa's session rule applied."""
        events = deserialise_events([json.loads(row.data) for row in rows])
        if len(events) != len(rows):  # an unreadable row: let Rasa's own reading decide
            raise ValueError("an event row could not be read")
        self.add_events(
            [(row.id, row.timestamp, row.type_name, event) for row, event in zip(rows, events, strict=False)]
        )

    def add_events(self, added: list[tuple[int, float, str, Event]]) -> None:
        """(row id, timestamp, type name, event) of rows after `last_id`, in id order."""
        self.entries += [(at, event) for _, at, _, event in added]
        if added:
            self.last_id = max(self.last_id, max(row_id for row_id, _, _, _ in added))
            self.rows_seen += len(added)
        started = [at for _, at, type_name, _ in added if type_name == SessionStarted.type_name]
        if started:
            self.session_start = max(
                [*started, *([self.session_start] if self.session_start is not None else [])]
            )
            self.entries = [(at, event) for at, event in self.entries if at >= self.session_start]

    def events(self) -> list[Event]:
        return [event for _, event in self.entries]

    def keep(self, tracker: DialogueStateTracker, domain: Domain | None) -> None:
        """Remember `tracker` for the next turn, if its events are exactly the session's."""
        events = tracker.events
        if len(events) == len(self.entries) and self.starts(tracker, len(events)):
            self.tracker, self.tracker_domain, self.tracker_mark = (
                tracker,
                domain,
                states.events_mark(tracker),
            )
        else:
            self.tracker = None

    def starts(self, tracker: DialogueStateTracker, length: int) -> bool:
        """Whether the tracker's first `length` events are the session's first `length` entries: the
        very Event objects (checked at the last of them, as each turn only appends)."""
        return (
            length <= len(self.entries)
            and length <= len(tracker.events)
            and (not length or tracker.events[length - 1] is self.entries[length - 1][1])
        )

    def reusable_tracker(self, domain: Domain | None) -> DialogueStateTracker | None:
        """The remembered tracker brought up to `entries`, or None when it cannot be trusted.

        It cannot when its events changed since it was remembered (a turn added events it did not
        save, or it was built for another domain) or when `entries` no longer start with them (a new
        session, a deletion). Rows other processes wrote since are applied on top, as from_events would."""
        tracker, length = self.tracker, self.tracker_length
        if (
            tracker is None
            or self.tracker_domain is not domain
            or not states.same_events(self.tracker_mark, states.events_mark(tracker))
            or not self.starts(tracker, length)
        ):
            self.tracker = None
            return None
        for _, event in self.entries[length:]:
            tracker.update(event)
        self.tracker_mark = states.events_mark(tracker)
        return tracker


class IncrementalSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose `retrieve` reads only new rows (see the module's docstring)."""

    def __init__(
        self, *args: Any, cached_conversations: int = DEFAULT_CACHED_CONVERSATIONS, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        states.install()  # the Rasa server's policies reuse the dialogue states of earlier turns
        copies.install()  # and its scratch copies of a tracker before each action do not replay it
        predictions.install()  # and a prediction does not slice or name the whole history
        self.cached_conversations = max(0, int(cached_conversations))
        self._sessions: OrderedDict[str, SessionEvents] = OrderedDict()

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The tracker of the latest session, as SQLTrackerStore.retrieve returns it."""
        try:
            cached = self._session(sender_id)
        except ValueError:
            self._sessions.pop(sender_id, None)
            return await super().retrieve(sender_id)
        if not self.domain or not cached.entries:
            return None
        tracker = cached.reusable_tracker(self.domain)
        if tracker is not None and self_check.enabled():
            self_check.same_tracker(
                tracker,
                DialogueStateTracker.from_events(sender_id, cached.events(), self.domain.slots),
                "the reused tracker",
            )
        if tracker is None:
            tracker = DialogueStateTracker.from_events(sender_id, cached.events(), self.domain.slots)
            cached.keep(tracker, self.domain)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """SQLTrackerStore.save, which also remembers the rows it wrote, as the very Event objects the
        turn made: the next turn reads nothing back, and its remembered dialogue states still apply."""
        await self.stream_events(tracker)
        table = self.SQLEvent
        with self.session_scope() as session:
            events = self._unsaved_events(session, tracker)
            rows = []
            for event in events:
                data = event.as_dict()
                rows.append(
                    table(
                        sender_id=tracker.sender_id,
                        type_name=event.type_name,
                        timestamp=data.get("timestamp"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                    )
                )
            session.add_all(rows)
            session.flush()  # the rows get their ids
            written = [
                (row.id, row.timestamp, row.type_name, event)
                for row, event in zip(rows, events, strict=False)
            ]
            session.commit()
        cached = self._sessions.get(tracker.sender_id)
        if cached is not None and written and all(row_id > cached.last_id for row_id, _, _, _ in written):
            cached.add_events(written)  # rows others wrote in between show in the next turn's count check
            cached.keep(tracker, self.domain)
        logger.debug(f"Tracker with sender_id '{tracker.sender_id}' stored to database")

    def _unsaved_events(self, session: Any, tracker: DialogueStateTracker) -> list[Event]:
        """The tracker's events after those its session's rows hold. Rasa counts the session's rows
        (a query whose cost grows with the conversation); when this turn's tracker is the one handed
        out, the rows are those it started with (the conversation's lock kept other turns out)."""
        cached = self._sessions.get(tracker.sender_id)
        length = cached.tracker_length if cached is not None and cached.tracker is tracker else -1
        if (
            cached is None
            or length < 0
            or length != len(cached.entries)
            or not cached.starts(tracker, length)
        ):
            return list(self._additional_events(session, tracker))
        unsaved = list(itertools.islice(tracker.events, length, None))
        if self_check.enabled():
            counted = list(self._additional_events(session, tracker))
            if len(counted) != len(unsaved) or any(
                a is not b for a, b in zip(counted, unsaved, strict=False)
            ):
                self_check.fail(f"the unsaved events of {tracker.sender_id} differ from Rasa's count")
        return unsaved

    def forget(self, sender_id: str) -> None:
        """Drop what this process remembers of a conversation (it is read afresh next time)."""
        self._sessions.pop(sender_id, None)

    def _session(self, sender_id: str) -> SessionEvents:
        table = self.SQLEvent
        with self.session_scope() as session:
            cached = self._sessions.pop(sender_id, None)
            if cached is not None:
                rows_seen = (
                    session.query(sa.func.count(table.id))
                    .filter(table.sender_id == sender_id, table.id <= cached.last_id)
                    .scalar()
                )
                if rows_seen != cached.rows_seen:  # rows deleted or committed late: read it all again
                    logger.info("tracker rows changed under the cache; reading the session afresh")
                    cached = None
            if cached is None:
                cached = self._read_session(session, sender_id)
            else:
                cached.add(
                    session.query(table)
                    .filter(table.sender_id == sender_id, table.id > cached.last_id)
                    .order_by(table.id)
                    .all()
                )
        if self.cached_conversations:
            self._sessions[sender_id] = cached
            while len(self._sessions) > self.cached_conversations:
                self._sessions.popitem(last=False)
        return cached

    def _read_session(self, session: Any, sender_id: str) -> SessionEvents:
        table = self.SQLEvent
        count, last_id = (
            session.query(sa.func.count(table.id), sa.func.max(table.id))
            .filter(table.sender_id == sender_id)
            .one()
        )
        rows = (
            self._event_query(session, sender_id, fetch_events_from_all_sessions=False)
            .filter(table.id <= (last_id or 0))
            .all()
        )
        cached = SessionEvents()
        cached.add(rows)  # also takes the session start from the session_started row among them
        # counted over all the conversation's rows, older sessions included, as the per-turn check counts
        cached.last_id, cached.rows_seen = last_id or 0, count or 0
        return cached
