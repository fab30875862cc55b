"""Dialogue states and applied events remembered from turn to turn (tracker_store/states.py) are
exactly what Rasa computes afresh, while a conversation grows event by event through a form, an undo
(UserUtteranceReverted, as the fallback emits), a restart and a new session; the e2e stack also checks
every live prediction (TRACKER_STATES_SELF_CHECK=1). Runs in .venv-rasa in a subprocess."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCENARIO = r"""
import copy, json
from rasa.core.policies.policy import Policy
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, Restarted, SessionStarted, SlotSet,
                                     UserUttered, UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker
from tracker_store import states

domain = Domain.load("domain.yml")
original_states, original_applied = states._original, states._original_applied
states.install()

def user(intent):
    return [ActionExecuted("action_listen"), UserUttered(intent, {"name": intent, "confidence": 1.0})]

script = [SessionStarted(), ActionExecuted("action_listen")]
script += user("greet") + [ActionExecuted("action_greet"), BotUttered("hi")]
script += user("order_item") + [ActionExecuted("action_add_to_cart"), SlotSet("cart_id", 3)]
script += user("checkout") + [ActionExecuted("checkout_form"), ActiveLoop("checkout_form"), SlotSet("requested_slot", "fulfilment")]
script += user("inform") + [ActionExecuted("checkout_form"), SlotSet("fulfilment", "pickup"), SlotSet("requested_slot", "requested_time")]
script += user("nlu_fallback") + [ActionExecuted("action_default_fallback"), UserUtteranceReverted()]
script += user("inform") + [ActionExecuted("checkout_form"), SlotSet("requested_time", "asap"), ActiveLoop(None), SlotSet("requested_slot", None)]
script += [ActionExecuted("action_order_summary")] + user("affirm") + [ActionExecuted("action_place_order")]
script += user("restart") + [ActionExecuted("action_restart"), Restarted()]
script += [SessionStarted(), ActionExecuted("action_listen")] + user("greet") + [ActionExecuted("action_greet")]

checks, mismatches = 0, []
for turn_end in range(1, len(script) + 1):
    # each turn a new tracker over the same event objects, as the incremental store hands them out
    tracker = DialogueStateTracker.from_events("guest", script[:turn_end], domain.slots)
    for kwargs in ({}, {"omit_unset_slots": True}, {"ignore_rule_only_turns": True, "rule_only_data": {"slots": ["requested_slot"], "loops": []}}):
        for _ in range(2):  # asked more than once a turn
            checks += 1
            got = domain.states_for_tracker_history(tracker, **kwargs)
            if got != original_states(domain, tracker, **kwargs):
                mismatches.append(("states", turn_end, kwargs))
            for state in got[-2:]:  # as the featurizers do with the latest user input
                state.get("user", {}).pop("intent", None)
    if list(map(id, tracker.applied_events())) != list(map(id, original_applied(tracker))):
        mismatches.append(("applied", turn_end))
full = domain.states_for_tracker_history(tracker)
text = Policy.format_tracker_states(full)  # the rule policy's debug line, copied as it does
debug_text_same = str(copy.deepcopy(text)) == states._format_tracker_states(full) != ""
print(json.dumps({"checks": checks, "mismatches": mismatches, "debug text same": debug_text_same}))
"""


@pytest.fixture(scope="module")
def outcome() -> dict:
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


def test_remembered_states_and_applied_events_equal_rasas_at_every_step(outcome: dict):
    assert outcome["checks"] > 200 and outcome["mismatches"] == []


def test_the_rule_policys_debug_text_of_the_states_is_unchanged(outcome: dict):
    assert outcome["debug text same"] is True
