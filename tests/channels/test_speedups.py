"""The Rasa server's action-response check, made cheap (channels/speedups.py), refuses and accepts
exactly what Rasa's own check does. Runs in the Rasa environment (.venv-rasa)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

CHECK = r"""
import json, jsonschema
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig
from channels import speedups

action = RemoteAction("action_view_cart", EndpointConfig("http://127.0.0.1:1/webhook"))
responses = [
    {"events": [{"event": "slot", "timestamp": None, "name": "cart_id", "value": 3}],
     "responses": [{"text": "Your cart is empty.", "buttons": [], "elements": []}]},
    {"events": [{"event": "slot", "name": 5, "value": 1}]},   # a slot name must be a string
    {"events": [{"event": "slot", "name": "cart_id"}]},       # a slot event needs its value
    {"events": [{"timestamp": 1}]},                           # every event says what it is
    {"events": "not a list"},
    {"responses": [3]},
]

def verdicts():
    out = []
    for response in responses:
        try:
            out.append("accepted" if action._validate_action_result(response) else "false")
        except jsonschema.ValidationError as error:
            out.append(error.message)
    return out

before = verdicts()
applied = speedups.apply()
print(json.dumps({"applied": applied, "again": speedups.apply(), "before": before, "after": verdicts(),
                  "installed": RemoteAction._validate_action_result is speedups._validate_action_result}))
"""


@pytest.fixture(scope="module")
def outcome() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip(".venv-rasa is absent (run scripts/setup.sh)")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_fix_is_installed_once_on_rasa_3_6(outcome):
    assert outcome["applied"] and outcome["again"] and outcome["installed"]


def test_valid_responses_pass_and_malformed_ones_are_refused_with_rasas_own_words(outcome):
    assert outcome["after"] == outcome["before"]
    assert outcome["after"][0] == "accepted"
    refusals = outcome["after"][1:]
    assert all("Failed to validate Action server response from API" in message for message in refusals)


SLIM = r"""
import json
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from channels import speedups

domain = Domain.load("domain.yml")
tracker = DialogueStateTracker("guest", domain.slots)
def message(text, intent, entities=()):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": list(entities), "text": text,
             "intent_ranking": [{"name": intent, "confidence": 0.9}, {"name": "greet", "confidence": 0.1}],
             "text_tokens": [[0, 3]]}
    return UserUttered(text, parse["intent"], parse["entities"], parse, input_channel="rest",
                       metadata={"customer": "cus_0123456789abcdef"})
said = [("I'm allergic to peanuts", "inform", [{"entity": "allergen", "value": "peanuts"}]),
        ("I'm vegetarian", "inform", [{"entity": "dietary", "value": "vegetarian"}]),
        ("delivery please", "inform", [{"entity": "fulfilment", "value": "delivery"}])]
said += [(f"what's in my cart {number}?", "view_cart", []) for number in range(30)]
for number, (text, intent, entities) in enumerate(said):
    tracker.update(message(text, intent, entities))
    tracker.update(ActionExecuted("action_view_cart"))
    if number == 2:
        tracker.update(SlotSet("fulfilment", "delivery"))
    tracker.update(SlotSet("cart_id", number))
    tracker.update(BotUttered(f"reply {number}", {"buttons": [{"title": "Checkout", "payload": "/checkout"}]}))
    tracker.update(ActionExecuted("action_listen"))
tracker.update(message("what's in my cart now?", "view_cart"))
action = RemoteAction("action_view_cart", EndpointConfig("http://127.0.0.1:1/webhook"))
whole = action._action_call_format(tracker, domain)["tracker"]
speedups.apply()
sent = action._action_call_format(tracker, domain)["tracker"]
print(json.dumps({"whole": whole, "sent": sent}))
"""


@pytest.fixture(scope="module")
def action_calls() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip(".venv-rasa is absent (run scripts/setup.sh)")
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", SLIM], cwd=ROOT, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _sdk_tracker(state: dict):
    from rasa_sdk import Tracker

    return Tracker.from_dict(state)


def test_the_actions_read_the_same_facts_from_a_slimmed_call_as_from_the_whole_one(action_calls):
    from actions import common, digressions

    whole, sent = _sdk_tracker(action_calls["whole"]), _sdk_tracker(action_calls["sent"])
    slot_names = ["cart_id", "fulfilment", "requested_slot"]
    for tracker in (whole, sent):  # the conversation's first messages stated an allergy and a diet
        assert common.stated_constraints(tracker) == (["vegetarian"], ["peanuts"])
    assert common.unchecked_allergies(sent) == common.unchecked_allergies(whole)
    assert common.customer_id(sent) == common.customer_id(whole) == "cus_0123456789abcdef"
    assert sent.get_latest_input_channel() == whole.get_latest_input_channel()
    assert digressions.slots_before_this_message(sent, slot_names) == digressions.slots_before_this_message(
        whole, slot_names
    )
    assert sent.slots == whole.slots and sent.latest_message == whole.latest_message
    assert sent.active_loop == whole.active_loop and sent.followup_action == whole.followup_action


def test_a_long_conversations_action_call_leaves_out_what_no_action_reads(action_calls):
    whole, sent = action_calls["whole"]["events"], action_calls["sent"]["events"]
    users = [index for index, event in enumerate(whole) if event["event"] == "user"]
    recent = users[-10]  # the guest's last ten messages and everything after them: untouched
    assert sent[-(len(whole) - recent) :] == whole[recent:]
    old = sent[: len(sent) - (len(whole) - recent)]
    assert len(json.dumps(old)) < len(json.dumps(whole[:recent])) / 3
    # of the old messages, only those in which the guest said what they can't eat are sent
    from action_contract import CONSTRAINT_INTENTS

    old_messages = [event["text"] for event in old if event["event"] == "user"]
    assert old_messages == [
        event["text"]
        for event in whole[:recent]
        if event["event"] == "user" and event["parse_data"]["intent"]["name"] in CONSTRAINT_INTENTS
    ]
    assert old_messages == ["I'm allergic to peanuts", "I'm vegetarian", "delivery please"]
    assert {event["event"] for event in old} == {"user", "slot"}
    assert all("intent_ranking" not in event["parse_data"] for event in old if event["event"] == "user")
