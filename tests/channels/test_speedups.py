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
