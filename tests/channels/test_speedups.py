"""The Rasa server's action-response check, made cheap (channels/speedups.py), refuses and accepts
exactly what Rasa's own check does. Runs in the Rasa environment (.venv-rasa)."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

CHECK = r'''
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
'''


@pytest.fixture(scope="module")
def outcome() -> dict:
    if not RASA_PYTHON.exists():
        pytest.skip(".venv-rasa is absent (run scripts/setup.sh)")
    done = subprocess.run([str(RASA_PYTHON), "-c", CHECK], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_fix_is_installed_once_on_rasa_3_6(outcome):
    assert outcome["applied"] and outcome["again"] and outcome["installed"]


def test_valid_responses_pass_and_malformed_ones_are_refused_with_rasas_own_words(outcome):
    assert outcome["after"] == outcome["before"]
    assert outcome["after"][0] == "accepted"
    refusals = outcome["after"][1:]
    assert all("Failed to validate Action server response from API" in message for message in refusals)


SLIM = r'''
import json
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
from channels import speedups

domain = Domain.load("domain.yml")
tracker = DialogueStateTracker("guest", domain.slots)
def message(number, text, intent):
    parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [{"entity": "dish", "value": "Pad Thai"}],
             "text": text, "intent_ranking": [{"name": intent, "confidence": 0.9}, {"name": "greet", "confidence": 0.1}],
             "text_tokens": [[0, 3]]}
    return UserUttered(text, parse["intent"], parse["entities"], parse, input_channel="rest",
                       metadata={"customer": "cus_0123456789abcdef"})
for number in range(15):
    tracker.update(message(number, f"message {number}", "inform_allergy" if number == 0 else "view_cart"))
    tracker.update(ActionExecuted("action_view_cart"))
    tracker.update(SlotSet("cart_id", number))
    tracker.update(BotUttered(f"reply {number}", {"buttons": [{"title": "Checkout", "payload": "/checkout"}]}))
    tracker.update(ActionExecuted("action_listen"))
action = RemoteAction("action_view_cart", EndpointConfig("http://127.0.0.1:1/webhook"))
whole = action._action_call_format(tracker, domain)["tracker"]["events"]
speedups.apply()
sent = action._action_call_format(tracker, domain)["tracker"]["events"]
print(json.dumps({"whole": whole, "sent": sent}))
'''


def test_old_events_reach_the_action_server_without_what_no_action_reads():
    result = subprocess.run([str(RASA_PYTHON), "-c", SLIM], cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    calls = json.loads(result.stdout.strip().splitlines()[-1])
    whole, sent = calls["whole"], calls["sent"]
    assert len(sent) == len(whole) and [e["event"] for e in sent] == [e["event"] for e in whole]
    users = [index for index, event in enumerate(whole) if event["event"] == "user"]
    recent = users[-10]  # the guest's last ten messages and everything after them: untouched
    assert sent[recent:] == whole[recent:]
    for old, slim in zip(whole[:recent], sent[:recent]):
        if old["event"] == "user":  # what actions read: text, intent, entities, channel, identity
            assert (slim["text"], slim["input_channel"], slim["metadata"]) == (old["text"], old["input_channel"], old["metadata"])
            assert slim["parse_data"]["intent"]["name"] == old["parse_data"]["intent"]["name"]
            assert slim["parse_data"]["entities"] == old["parse_data"]["entities"]
            assert "intent_ranking" not in slim["parse_data"]
        elif old["event"] == "bot":
            assert slim["text"] == old["text"] and slim["data"] == {}
        else:  # slots, actions: whole
            assert slim == old
