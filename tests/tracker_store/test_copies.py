"""The tracker copy Rasa takes before each action (tracker_store/copies.py) is the tracker Rasa's own
replaying copy gives, in every state a conversation reaches (a form half filled, a rejected form
action, a paused conversation, a follow-up action), and changing the copy leaves the original as it
was. Rasa runs in .venv-rasa, so the scenario runs there in a subprocess and reports JSON."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCENARIO = r"""
import json
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActiveLoop, BotUttered,
                                     ConversationPaused, FollowupAction, LoopInterrupted, SlotSet, UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from tracker_store import copies

domain = Domain.load("domain.yml")
replayed_copy = DialogueStateTracker.copy
copies.install()

def picture(tracker):
    return {"state": tracker.current_state(EventVerbosity.ALL),
            "slots": {name: [slot.value, slot.has_been_set] for name, slot in tracker.slots.items()},
            "bot": [tracker.latest_bot_utterance.text, tracker.latest_bot_utterance.data]}

tracker = DialogueStateTracker("guest", domain.slots)
steps = {
    "fresh": [],
    "a dish asked for": [ActionExecuted("action_listen"),
                         UserUttered("two pad thai", {"name": "order_item", "confidence": 0.9},
                                     [{"entity": "dish", "value": "Pad Thai"}]),
                         ActionExecuted("order_form"), ActiveLoop("order_form"), SlotSet("dish", "Pad Thai"),
                         SlotSet("requested_slot", "quantity"), BotUttered("How many?", {"buttons": []})],
    "the form rejected": [ActionExecuted("action_listen"), UserUttered("what's vegan?", {"name": "ask_menu"}),
                          ActionExecutionRejected("order_form"), LoopInterrupted(True)],
    "a follow-up set": [FollowupAction("action_view_cart")],
    "the follow-up taken": [],  # the processor clears it without an event before it runs that action
    "paused": [ConversationPaused()],
}
out = {}
for moment, events in steps.items():
    for event in events:
        tracker.update(event)
    if moment == "the follow-up taken":
        tracker.clear_followup_action()
    fast, slow = tracker.copy(), replayed_copy(tracker)
    out[moment] = picture(fast) == picture(slow)
before = picture(tracker)
scratch = tracker.copy()
scratch.update(SlotSet("dish", "Green Curry"))
scratch.update(ActiveLoop(None))
scratch.update(UserUttered("hello", {"name": "greet"}))
out["original untouched by changes to its copy"] = picture(tracker) == before
out["copy changed"] = picture(scratch) != before

import logging, os
from tracker_store import self_check
logged = []
class Keep(logging.Handler):
    def emit(self, record):
        logged.append(record.getMessage())
logging.getLogger("tracker_store").addHandler(Keep())
os.environ[self_check.VARIABLE] = "1"
from tracker_store.settings import get_settings
get_settings.cache_clear()  # the settings are read once per process; this one switches the mode on
tracker.slots["dish"].value = "set without an event"   # a state its events do not give
try:
    tracker.copy()
    out["a differing copy is reported"] = False
except AssertionError:
    out["a differing copy is reported"] = any(self_check.FAILED in message for message in logged)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def outcome() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip(".venv-rasa is absent (run scripts/setup.sh)")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCENARIO],
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
    ["fresh", "a dish asked for", "the form rejected", "a follow-up set", "the follow-up taken", "paused"],
)
def test_the_copy_is_the_tracker_rasas_replay_gives(outcome: dict, moment: str):
    assert outcome[moment] is True


def test_in_self_check_mode_a_copy_that_differs_from_the_replay_is_logged_and_raised(outcome: dict):
    assert outcome["a differing copy is reported"] is True


def test_changing_the_copy_leaves_the_original_as_it_was(outcome: dict):
    assert outcome["original untouched by changes to its copy"] is True
    assert outcome["copy changed"] is True
