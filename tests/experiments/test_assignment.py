"""Assignment: sticky, deterministic, balanced, stopped arms get no new units."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from experiments import Arm, Experiment, ExperimentRegistry, arms_for, assign, changes_for, unit_hash

N = 10_000


def experiment(weights: dict[str, float], stopped: tuple[str, ...] = (), name: str = "exp") -> Experiment:
    return Experiment(
        name=name,
        arms=tuple(Arm(n, w, {"k": n}) for n, w in weights.items()),
        stopped_arms=frozenset(stopped),
    )


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_unit_hash_is_uniform_float_in_unit_interval() -> None:
    values = [unit_hash("e", f"u{i}") for i in range(N)]
    assert all(0 <= v < 1 for v in values)
    assert abs(sum(values) / N - 0.5) < 0.01
    assert unit_hash("e", "u1") == unit_hash("e", "u1") != unit_hash("f", "u1")


def test_same_id_same_arm_every_time() -> None:
    exp = experiment({"a": 1, "b": 1, "c": 1})
    for i in range(500):
        first = assign(exp, f"sender-{i}")
        assert all(assign(exp, f"sender-{i}") == first for _ in range(5))


@pytest.mark.parametrize(
    "weights", [{"a": 1, "b": 1}, {"a": 1, "b": 1, "c": 1}, {"a": 3, "b": 1}, {"a": 0.7, "b": 0.2, "c": 0.1}]
)
def test_balanced_within_tolerance_over_10000_ids(weights: dict[str, float]) -> None:
    exp = experiment(weights)
    counts = Counter(assign(exp, f"conversation-{i}") for i in range(N))
    total = sum(weights.values())
    for arm, w in weights.items():
        assert abs(counts[arm] / N - w / total) < 0.03, (arm, counts)


def test_experiments_are_independent() -> None:
    """Hashing with the experiment name: arms of two experiments are not correlated."""
    e1, e2 = experiment({"a": 1, "b": 1}, name="one"), experiment({"a": 1, "b": 1}, name="two")
    same = sum(assign(e1, f"id{i}") == assign(e2, f"id{i}") for i in range(N))
    assert abs(same / N - 0.5) < 0.03


def test_stopped_arm_gets_no_new_units_and_its_share_is_spread() -> None:
    exp = experiment({"a": 1, "b": 1, "c": 2}, stopped=("b",))
    counts = Counter(assign(exp, f"u{i}") for i in range(N))
    assert counts["b"] == 0
    assert abs(counts["a"] / N - 1 / 3) < 0.03 and abs(counts["c"] / N - 2 / 3) < 0.03
    assert assign(experiment({"a": 1}, stopped=("a",)), "x") is None


YAML = """experiments:
  - name: rec
    unit: conversation
    arms:
      - {{name: three, weight: {w3}, changes: {{recommendation_count: 3}}}}
      - {{name: two, weight: {w2}, changes: {{recommendation_count: 2}}}}
    stopped_arms: {stopped}
  - name: tone
    enabled: {tone_enabled}
    arms:
      - {{name: standard, changes: {{system_prompt_variant: standard}}}}
      - {{name: warm, changes: {{system_prompt_variant: warm}}}}
"""


def registry(tmp_path: Path, w3=1, w2=1, stopped="[]", tone_enabled="true") -> ExperimentRegistry:
    path = tmp_path / "experiments.yml"
    write(path, YAML.format(w3=w3, w2=w2, stopped=stopped, tone_enabled=tone_enabled))
    return ExperimentRegistry(path)


def test_arms_for_keeps_earlier_assignments_when_weights_change(tmp_path: Path) -> None:
    reg = registry(tmp_path)
    before = {f"u{i}": arms_for(reg, f"u{i}", {}) for i in range(2000)}
    path = tmp_path / "experiments.yml"
    write(path, YAML.format(w3=1, w2=9, stopped="[]", tone_enabled="true"))
    os.utime(path, ns=(1, 10**18))  # make sure the mtime differs even on coarse filesystems
    fresh = Counter(arms_for(reg, f"new{i}", {})["rec"] for i in range(2000))
    assert fresh["two"] > fresh["three"] * 4  # the new weights are in effect
    for uid, arms in before.items():
        assert arms_for(reg, uid, arms) == arms  # but nobody already assigned moves


def test_stopped_arm_keeps_its_units_but_gets_no_new_ones(tmp_path: Path) -> None:
    reg = registry(tmp_path)
    already = {f"u{i}": arms_for(reg, f"u{i}", {}) for i in range(1000)}
    in_two = [u for u, a in already.items() if a["rec"] == "two"]
    assert in_two
    path = tmp_path / "experiments.yml"
    write(path, YAML.format(w3=1, w2=1, stopped="[two]", tone_enabled="true"))
    os.utime(path, ns=(1, 10**18))
    assert all(arms_for(reg, f"new{i}", {})["rec"] == "three" for i in range(1000))
    for u in in_two:
        arms = arms_for(reg, u, already[u])
        assert arms["rec"] == "two"
        assert changes_for(reg, arms)["recommendation_count"] == 2


def test_disabled_experiment_is_skipped_and_changes_merge(tmp_path: Path) -> None:
    reg = registry(tmp_path, tone_enabled="false")
    arms = arms_for(reg, "someone", {})
    assert set(arms) == {"rec"}
    changes = changes_for(reg, arms)
    assert changes == {"recommendation_count": 3 if arms["rec"] == "three" else 2}
    reg = registry(tmp_path, tone_enabled="true")
    arms = arms_for(reg, "someone", arms)
    assert set(arms) == {"rec", "tone"}
    assert set(changes_for(reg, arms)) == {"recommendation_count", "system_prompt_variant"}
    assert changes_for(reg, {"rec": "gone"}) == {}


def test_customer_unit_hashes_the_customer_id(tmp_path: Path) -> None:
    path = tmp_path / "experiments.yml"
    write(
        path,
        """experiments:
  - name: greet
    unit: customer
    arms: [{name: long, changes: {greeting: long}}, {name: short, changes: {greeting: short}}]
  - name: rec
    arms: [{name: a}, {name: b}]
""",
    )
    reg = ExperimentRegistry(path)
    arms = {arms_for(reg, f"conversation-{i}", {}, customer_id="customer-42")["greet"] for i in range(200)}
    assert len(arms) == 1  # every conversation of one customer: the same arm
    recs = {arms_for(reg, f"conversation-{i}", {}, customer_id="customer-42")["rec"] for i in range(200)}
    assert recs == {"a", "b"}  # conversation-unit experiments still hash the conversation
    anonymous = arms_for(reg, "conversation-1", {})
    assert anonymous["greet"] == assign(reg.get("greet"), "conversation-1")
