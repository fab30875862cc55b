"""The report on a generated data set with a known effect, through a tracker DB with Rasa's schema."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

from experiments.__main__ import main
from experiments.config import Arm, Experiment
from experiments.outcomes import ConversationOutcome, read_outcomes
from experiments.report import PEEKING_WARNING, analyse, format_result
from experiments.stats import sample_size_per_arm
from tests.experiments.test_outcomes import RASA_EVENTS_SCHEMA

CONFIG = """experiments:
  - name: recommendation_count
    unit: conversation
    minimum_effect: 0.05
    planned_per_arm: {planned}
    arms:
      - {{name: three, weight: 1, changes: {{recommendation_count: 3}}}}
      - {{name: two, weight: 1, changes: {{recommendation_count: 2}}}}
"""


def generate(rng: np.random.Generator, rates: dict[str, float], n: int) -> list[ConversationOutcome]:
    """n conversations per arm; each converts with its arm's rate."""
    convs = []
    for arm, rate in rates.items():
        for i in range(n):
            converted = bool(rng.random() < rate)
            turns = int(rng.integers(3, 12))
            convs.append(
                ConversationOutcome(
                    sender_id=f"{arm}-{i}",
                    arms={"recommendation_count": arm},
                    converted=converted,
                    order_value=Decimal(f"{rng.integers(1000, 6000) / 100:.2f}") if converted else None,
                    handoff=bool(rng.random() < 0.03),
                    user_turns=turns,
                    fallback_turns=int(rng.integers(0, 2)),
                    turns_to_order=turns if converted else None,
                    llm_cost_usd=float(rng.random() * 0.01),
                )
            )
    return convs


def write_tracker_db(path: Path, convs: list[ConversationOutcome]) -> None:
    """The events a conversation leaves in Rasa's SQL tracker store, in its exact table."""
    rows, ts = [], 1_700_000_000.0

    def event(sender, type_name, intent=None, action=None, **data):
        nonlocal ts
        ts += 0.001
        rows.append(
            (
                len(rows) + 1,
                sender,
                type_name,
                ts,
                intent,
                action,
                json.dumps({"event": type_name, "timestamp": ts, **data}),
            )
        )

    for c in convs:
        event(c.sender_id, "action", action="action_session_start", name="action_session_start")
        event(c.sender_id, "slot", action="experiment_arms", name="experiment_arms", value=c.arms)
        for turn in range(c.user_turns):
            intent = "nlu_fallback" if turn < c.fallback_turns else "inform"
            event(
                c.sender_id,
                "user",
                intent=intent,
                text="x",
                parse_data={"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": "x"},
            )
        event(c.sender_id, "bot", text="y", data={}, metadata={"llm_cost_usd": c.llm_cost_usd})
        event(c.sender_id, "bot", text="z", data={}, metadata={"llm_generated": False})
        if c.converted:
            event(c.sender_id, "slot", action="checkout_stage", name="checkout_stage", value="placed")
            event(
                c.sender_id,
                "slot",
                action="last_order_total",
                name="last_order_total",
                value=str(c.order_value),
            )
        if c.handoff:
            event(c.sender_id, "slot", action="handoff_requested", name="handoff_requested", value=True)
    conn = sqlite3.connect(path)
    conn.execute(RASA_EVENTS_SCHEMA)
    conn.execute("CREATE INDEX ix_events_sender_id ON events (sender_id)")
    conn.executemany("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.commit()
    conn.close()


def experiment(planned: int = 1000) -> Experiment:
    return Experiment(
        "recommendation_count", (Arm("three", 1, {}), Arm("two", 1, {})), planned_per_arm=planned
    )


@pytest.fixture(scope="module")
def effect_data() -> list[ConversationOutcome]:
    return generate(np.random.default_rng(2024), {"three": 0.10, "two": 0.15}, 2000)


def test_known_effect_is_found_and_matches_statsmodels(effect_data) -> None:
    result = analyse(experiment(), effect_data)
    three, two = result.arms
    assert (three.n, two.n) == (2000, 2000)
    assert three.conversions == sum(
        c.converted for c in effect_data if c.arms["recommendation_count"] == "three"
    )
    for arm in result.arms:
        assert arm.interval == pytest.approx(
            proportion_confint(arm.conversions, arm.n, method="wilson"), abs=1e-12
        )
    _z, p = proportions_ztest([two.conversions, three.conversions], [2000, 2000])
    assert two.comparison.test == "z-test"
    assert two.comparison.p_value == pytest.approx(p, rel=1e-9)
    assert two.comparison.p_value < 0.05
    assert two.comparison.difference == pytest.approx(two.conversion - three.conversion)
    # the other outcomes, computed here directly
    mine = [c for c in effect_data if c.arms["recommendation_count"] == "two"]
    values = [c.order_value for c in mine if c.converted]
    assert two.mean_order_value == (sum(values) / len(values)).quantize(Decimal("0.01"))
    assert two.handoff_rate == pytest.approx(np.mean([c.handoff for c in mine]))
    assert two.fallback_rate == pytest.approx(
        sum(c.fallback_turns for c in mine) / sum(c.user_turns for c in mine)
    )
    assert two.mean_turns_to_order == pytest.approx(np.mean([c.turns_to_order for c in mine if c.converted]))
    assert two.mean_llm_cost_usd == pytest.approx(np.mean([c.llm_cost_usd for c in mine]))
    assert not result.warnings  # 2000 >= planned 1000 and planned >= needed


def test_no_effect_is_usually_not_significant() -> None:
    rng = np.random.default_rng(7)
    significant = sum(
        analyse(experiment(), generate(rng, {"three": 0.12, "two": 0.12}, 300)).arms[1].comparison.p_value
        < 0.05
        for _ in range(40)
    )
    assert significant <= 6  # about 5 % of 40


def test_small_counts_use_fisher_and_warn() -> None:
    data = generate(np.random.default_rng(3), {"three": 0.1, "two": 0.3}, 20)
    result = analyse(experiment(planned=681), data)
    three, two = result.arms
    assert two.comparison.test == "fisher"
    assert two.comparison.p_value == pytest.approx(
        sps.fisher_exact(
            [[three.conversions, 20 - three.conversions], [two.conversions, 20 - two.conversions]]
        ).pvalue
    )
    text = format_result(result)
    assert "WARNING" in text and PEEKING_WARNING in text


def test_cli_report_from_tracker_db(effect_data, tmp_path: Path, capsys) -> None:
    db = tmp_path / "tracker.db"
    write_tracker_db(db, effect_data)
    parsed = {c.sender_id: c for c in read_outcomes(db)}
    for c in effect_data[::97]:
        p = parsed[c.sender_id]
        assert (p.converted, p.order_value, p.handoff, p.user_turns, p.fallback_turns, p.turns_to_order) == (
            c.converted,
            c.order_value,
            c.handoff,
            c.user_turns,
            c.fallback_turns,
            c.turns_to_order,
        )
        assert p.llm_cost_usd == pytest.approx(c.llm_cost_usd)

    config = tmp_path / "experiments.yml"
    out = tmp_path / "charts"
    config.write_text(CONFIG.format(planned=5000))
    assert main(["report", "--tracker-db", str(db), "--config", str(config), "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "WARNING" in text and PEEKING_WARNING in text
    three = analyse(experiment(), effect_data).arms[0]
    needed = sample_size_per_arm(three.conversion, 0.05)  # from the observed baseline of the first arm
    assert 600 < needed < 800  # about 681 for 10 % -> 15 %
    assert "z-test" in text and f"(alpha 0.05, power 0.8): {needed}" in text
    png = out / "recommendation_count.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 2000

    config.write_text(CONFIG.format(planned=1000))
    assert main(["report", "--tracker-db", str(db), "--config", str(config), "--no-chart"]) == 0
    text = capsys.readouterr().out
    assert "WARNING" not in text
    assert "p<0.0001" in text or "p=0.0" in text  # the exact value is checked above
