"""The incremental SQL tracker store (tracker_store/incremental.py) returns exactly what Rasa's own
SQLTrackerStore returns, turn after turn, while reading only the rows it has not seen: with a second
process writing to the same table, across a new session, and after rows are deleted (a guest's data
erased). Rasa runs in .venv-rasa, so the scenario runs there in a subprocess and reports JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCENARIO = r"""
import asyncio, json, sys, time
import rasa.shared.core.events as rasa_events
import tracker_store.incremental as incremental
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import EventVerbosity

db = sys.argv[1]
domain = Domain.load("domain.yml")
rasa_store = SQLTrackerStore(domain, dialect="sqlite", db=db)
first = incremental.IncrementalSQLTrackerStore(domain, dialect="sqlite", db=db)   # this process
second = incremental.IncrementalSQLTrackerStore(domain, dialect="sqlite", db=db)  # another Rasa process

parsed = []
real = incremental.deserialise_events
incremental.deserialise_events = lambda dicts: parsed.append(len(dicts)) or real(dicts)

def turn(n):
    return [UserUttered(f"message {n}", {"name": "greet", "confidence": 1.0}), ActionExecuted("action_greet"),
            BotUttered(f"answer {n}"), SlotSet("cart_id", n), ActionExecuted("action_listen")]

async def write(store, sender, events):
    tracker = await store.retrieve(sender) or await store.create_tracker(sender)
    for event in events:
        tracker.update(event)
    await store.save(tracker)

async def same(sender):
    expected, got = await rasa_store.retrieve(sender), await first.retrieve(sender)
    as_dicts = lambda t: [e.as_dict() for e in t.events] if t else None
    state = lambda t: t.current_state(EventVerbosity.NONE) if t else None
    return as_dicts(expected) == as_dicts(got) and state(expected) == state(got)

replays = []
real_from_events = incremental.DialogueStateTracker.from_events
incremental.DialogueStateTracker.from_events = lambda *a, **k: replays.append(1) or real_from_events(*a, **k)

async def main():
    out = {}
    sender = "guest-1"
    await write(rasa_store, sender, [SessionStarted(), ActionExecuted("action_listen")] + [e for n in range(40) for e in turn(n)])
    out["first read"] = await same(sender)
    parsed.clear()
    await write(rasa_store, sender, turn(40))
    out["next turn"] = await same(sender)
    out["rows parsed for the next turn"] = sum(parsed)
    await write(second, sender, turn(41))           # the next turn lands on the other process
    out["written by another process"] = await same(sender)
    time.sleep(0.01)
    await write(rasa_store, sender, [SessionStarted(), ActionExecuted("action_listen")] + turn(42))
    out["new session"] = await same(sender)
    tracker = await first.retrieve(sender)
    out["new session events"] = len(tracker.events)
    with rasa_store.session_scope() as session:     # erased, then the guest writes again
        session.query(rasa_store.SQLEvent).filter(rasa_store.SQLEvent.sender_id == sender).delete()
        session.commit()
    await write(rasa_store, sender, [SessionStarted(), ActionExecuted("action_listen")] + turn(43))
    out["after erasure"] = await same(sender)
    await write(first, sender, turn(44))            # this process writes the turn itself
    parsed.clear()
    out["after its own write"] = await same(sender)
    out["rows parsed after its own write"] = sum(parsed)
    replays.clear()
    await write(first, sender, turn(45))
    await first.retrieve(sender)
    out["replays after its own writes"] = len(replays)
    tracker = await first.retrieve(sender)           # a turn that breaks before it is saved
    tracker.update(UserUttered("never saved", {"name": "greet", "confidence": 1.0}))
    tracker.update(SlotSet("cart_id", "phantom"))
    out["after a turn that was not saved"] = await same(sender)
    await write(second, sender, turn(46))            # the other process writes, then this one again
    await write(first, sender, turn(47))
    out["after turns on both processes"] = await same(sender)
    out["unknown conversation"] = await first.retrieve("nobody") is None
    print(json.dumps(out))

asyncio.run(main())
"""


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> dict:
    db = tmp_path_factory.mktemp("trackers") / "tracker.db"
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCENARIO, str(db)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "moment",
    [
        "first read",
        "next turn",
        "written by another process",
        "new session",
        "after erasure",
        "after its own write",
        "after a turn that was not saved",
        "after turns on both processes",
        "unknown conversation",
    ],
)
def test_it_returns_what_rasas_own_store_returns(outcome: dict, moment: str):
    assert outcome[moment] is True


def test_a_turn_reads_only_the_rows_written_since_the_last(outcome: dict):
    assert outcome["rows parsed for the next turn"] == 5  # not the 207 rows of the session


def test_what_it_wrote_itself_is_not_read_back(outcome: dict):
    assert outcome["rows parsed after its own write"] == 0


def test_the_tracker_it_saved_is_handed_back_without_replaying_the_conversation(outcome: dict):
    assert outcome["replays after its own writes"] == 0


def test_a_new_session_starts_from_its_session_started_event(outcome: dict):
    assert outcome["new session events"] == 2 + 5
