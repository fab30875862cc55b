"""The rule and memoization policies of the trained model predict the same with the shortcuts of
tracker_store/predictions.py as without, in a short and a long conversation and at each point of a
turn, and the work they do per prediction no longer grows with the conversation: the text the rule
policy serialises, the rules it checks against states and the states the memoization featuriser
looks at stay the same from 10 turns to 150. Runs the real model in .venv-rasa in a subprocess and reports JSON."""

from __future__ import annotations

import json
import subprocess

import pytest

from tests.stack import ROOT, latest_model

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCENARIO = r'''
import json, sys
from rasa.core.agent import Agent
from rasa.core.featurizers import tracker_featurizers
from rasa.core.policies import rule_policy
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from tracker_store import predictions, states

agent = Agent.load(sys.argv[1])
domain = agent.domain
nodes = agent.processor.graph_runner._instantiated_nodes
policies = {name: node._component for name, node in nodes.items() if name.startswith("run_") and "Policy" in name}

work = {"chars": 0, "states": 0, "rule checks": 0}
real_json, real_unlikely = rule_policy.json, tracker_featurizers._is_prev_action_unlikely_intent_in_state
class CountingJson:
    loads = staticmethod(real_json.loads)
    @staticmethod
    def dumps(value, **kwargs):
        text = real_json.dumps(value, **kwargs)
        work["chars"] += len(text)
        return text
def counting_unlikely(state):
    work["states"] += 1
    return real_unlikely(state)
rule_policy.json = CountingJson
real_applicable = rule_policy.RulePolicy._is_rule_applicable
def counting_applicable(self, *args):
    work["rule checks"] += 1
    return real_applicable(self, *args)
rule_policy.RulePolicy._is_rule_applicable = counting_applicable
tracker_featurizers._is_prev_action_unlikely_intent_in_state = counting_unlikely

def user(intent, text):
    return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 1.0})]
turn = (user("browse_menu", "show me the menu") + [ActionExecuted("action_show_menu"), BotUttered("Our menu")]
        + user("view_cart", "what is in my cart") + [ActionExecuted("action_view_cart"), SlotSet("cart_id", 7),
                                                      BotUttered("Your cart is empty")]
        + user("greet", "hello") + [ActionExecuted("utter_greet")])

def predict(events):
    """Every policy's prediction and the work done, at three points of the last turn."""
    out = []
    for cut in (len(events), len(events) - 1, len(events) - 2):
        tracker = DialogueStateTracker.from_events("guest", events[:cut], domain.slots)
        for name, policy in sorted(policies.items()):
            work.update(dict.fromkeys(work, 0))
            rule_only = getattr(policies.get("run_RulePolicy0"), "_get_rule_only_data", dict)()
            got = policy.predict_action_probabilities(tracker, domain, rule_only_data=rule_only)
            out.append({"policy": name, "cut": cut, "probabilities": got.probabilities,
                        "hide_rule_turn": got.hide_rule_turn, "events": [e.as_dict() for e in got.events],
                        "work": dict(work)})
    return out

conversations = {turns: [SessionStarted(), ActionExecuted("action_listen")] + turn * turns for turns in (10, 150)}
rasa = {turns: predict(events) for turns, events in conversations.items()}
states.install()
predictions.install()
fast = {turns: predict(events) for turns, events in conversations.items()}
strip = lambda runs: [{k: v for k, v in run.items() if k != "work"} for run in runs]
print(json.dumps({
    "policies": sorted(policies),
    "same predictions": all(strip(rasa[t]) == strip(fast[t]) for t in rasa),
    "a prediction was made": any(max(run["probabilities"]) > 0 for run in fast[10]),
    "work": {str(t): {"rasa": [run["work"] for run in rasa[t]], "fast": [run["work"] for run in fast[t]]} for t in rasa},
}))
'''


@pytest.fixture(scope="module")
def outcome() -> dict:
    model = latest_model()
    if model is None:
        pytest.fail("No trained Rasa model in models/: run `make train` (make test does it for you).")
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCENARIO, str(model)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "WARNING"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_policies_predict_the_same_with_the_shortcuts(outcome: dict):
    assert outcome["policies"] == ["run_MemoizationPolicy1", "run_RulePolicy0"]
    assert outcome["a prediction was made"] and outcome["same predictions"]


def test_a_predictions_work_does_not_grow_with_the_conversation(outcome: dict):
    short, long = outcome["work"]["10"], outcome["work"]["150"]
    assert short["fast"] == long["fast"], "the shortcuts' work grew with the conversation"

    # without them it grows (the check above would pass on a measure that never moves)
    def total(runs, kind):
        return sum(run[kind] for run in runs)

    assert total(long["rasa"], "chars") > 5 * total(short["rasa"], "chars") > 0
    assert total(long["rasa"], "states") > 5 * total(short["rasa"], "states") > 0
    assert total(long["rasa"], "rule checks") > 2 * total(short["rasa"], "rule checks") > 0
