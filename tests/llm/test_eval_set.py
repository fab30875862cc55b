"""LLM replies staff flagged in the review tool (exported to tests/data/llm_eval*.jsonl) are a
regression suite for what every LLM text passes through (llm/guard/pipeline.py:guard_reply, the pipeline
production runs): a reply flagged as a wrong fact or unsafe must be caught by the fact guard, an
off-tone one changed by the personality pass, and a good one left as it is. Facts are the demo
restaurant's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from llm.guard.facts import DishFacts, FactSheet
from llm.guard.personality import load_personality
from llm.guard.pipeline import guard_reply

DATA = Path(__file__).resolve().parents[1] / "data"
DEMO = Path(__file__).resolve().parents[2] / "backend" / "demo" / "restaurant.yaml"
CASES = [
    json.loads(line)
    for path in sorted(DATA.glob("llm_eval*.jsonl"))
    for line in path.read_text(encoding="utf-8").splitlines()
    if line.strip()
]


@pytest.fixture(scope="module")
def facts() -> FactSheet:
    items = yaml.safe_load(DEMO.read_text(encoding="utf-8"))["items"]
    return FactSheet(dishes=tuple(DishFacts.from_item(item) for item in items))


def test_the_evaluation_set_has_every_label():
    assert {case["label"] for case in CASES} >= {"wrong_fact", "unsafe", "off_tone", "good"}


@pytest.mark.parametrize("case", CASES, ids=[f"{c['label']}:{c['question'][:30]}" for c in CASES])
def test_flagged_replies_are_handled(case: dict, facts: FactSheet):
    checked = guard_reply(case["reply"], facts, personality=load_personality())
    if case["label"] in {"wrong_fact", "unsafe"}:
        assert checked.corrections, f"the guard let a flagged reply through: {case['reply']}"
    elif case["label"] == "off_tone":
        assert checked.text != case["reply"]
    else:
        assert not checked.corrections and checked.text == case["reply"]
