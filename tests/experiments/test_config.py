"""experiments.yml parsing and the registry's reload on mtime change."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from experiments import ConfigError, ExperimentRegistry, load_experiments

REPO = Path(__file__).resolve().parents[2]

ONE = """experiments:
  - name: greet
    arms:
      - {name: long, changes: {greeting: long}}
      - {name: short, changes: {greeting: short}}
"""


def bump_mtime(path: Path, seconds: int) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + seconds * 10**9))


def test_repository_declares_the_two_example_experiments() -> None:
    exps = load_experiments(REPO / "experiments.yml")
    assert set(exps) >= {"recommendation_count", "answer_tone"}
    rec, tone = exps["recommendation_count"], exps["answer_tone"]
    assert rec.enabled and tone.enabled
    assert [(a.name, a.weight, a.changes) for a in rec.arms] == [
        ("three", 1, {"recommendation_count": 3}),
        ("two", 1, {"recommendation_count": 2}),
    ]
    assert [(a.name, a.changes) for a in tone.arms] == [
        ("standard", {"system_prompt_variant": "standard"}),
        ("warm", {"system_prompt_variant": "warm"}),
    ]
    for exp in exps.values():
        assert exp.unit in ("conversation", "customer")
        assert 0 < exp.minimum_effect < 1 and exp.planned_per_arm


def test_registry_rereads_on_mtime_change(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yml"
    path.write_text(ONE)
    reg = ExperimentRegistry(path)
    assert reg.get("greet").stopped_arms == frozenset()
    path.write_text(ONE + "    stopped_arms: [short]\n")
    bump_mtime(path, 5)
    assert reg.get("greet").stopped_arms == {"short"}
    assert [a.name for a in reg.get("greet").active_arms] == ["long"]


def test_broken_edit_keeps_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yml"
    path.write_text(ONE)
    reg = ExperimentRegistry(path)
    path.write_text("experiments:\n  - name: greet\n    arms: [{name: only}]\n")
    bump_mtime(path, 5)
    assert reg.get("greet") is not None and len(reg.get("greet").arms) == 2
    assert reg.last_error and "two arms" in reg.last_error
    path.unlink()
    assert reg.experiments() == {}


@pytest.mark.parametrize(
    "text, message",
    [
        ("experiments:\n  - name: x\n    unit: table\n    arms: [{name: a}, {name: b}]\n", "unit"),
        ("experiments:\n  - name: x\n    arms: [{name: a}, {name: a}]\n", "unique"),
        ("experiments:\n  - name: x\n    arms: [{name: a}, {name: b}]\n    stopped_arms: [c]\n", "unknown"),
        ("experiments:\n  - name: x\n    arms: [{name: a, weight: -1}, {name: b}]\n", "negative"),
    ],
)
def test_invalid_config_is_rejected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "e.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_experiments(path)
