"""Outcomes parsed from a tracker store written by real Rasa (SQLTrackerStore, sqlite dialect)."""

from __future__ import annotations

import sqlite3
import subprocess
import textwrap
from decimal import Decimal
from pathlib import Path

import pytest

from experiments.outcomes import read_outcomes

REPO = Path(__file__).resolve().parents[2]
RASA_PYTHON = REPO / ".venv-rasa" / "bin" / "python"

# The events table exactly as Rasa 3.6's SQLTrackerStore creates it (checked against real Rasa below).
RASA_EVENTS_SCHEMA = """CREATE TABLE events (
	id INTEGER NOT NULL, 
	sender_id VARCHAR(255) NOT NULL, 
	type_name VARCHAR(255) NOT NULL, 
	timestamp FLOAT, 
	intent_name VARCHAR(255), 
	action_name VARCHAR(255), 
	data TEXT, 
	PRIMARY KEY (id)
)"""

GENERATOR = textwrap.dedent("""
    import asyncio, sys
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def user(text, intent):
        parse = {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text}
        return UserUttered(text, intent=parse["intent"], parse_data=parse)

    def act(name):
        return ActionExecuted(name)

    conversations = {
        "placed": [
            act("action_session_start"), act("action_listen"),
            SlotSet("experiment_arms", {"recommendation_count": "two"}),
            user("hi", "greet"), SlotSet("experiment_arms", {"recommendation_count": "three", "answer_tone": "warm"}),
            act("utter_greet"), BotUttered("Hi!"), act("action_listen"),
            user("something spicy", "ask_recommendation"), act("action_recommend"),
            BotUttered("Try the curry", metadata={"llm_generated": True, "llm_cost_usd": 0.002}), act("action_listen"),
            user("blorp", "nlu_fallback"), act("action_free_form"),
            BotUttered("Sorry?", metadata={"llm_cost_usd": 0.003}), act("action_listen"),
            user("wibble wobble", "chitchat"), act("action_free_form"), BotUttered("Hmm"), act("action_listen"),
            user("checkout", "checkout"), SlotSet("checkout_stage", "summary"), act("action_listen"),
            user("yes", "affirm"), SlotSet("checkout_stage", "placed"), SlotSet("last_order_total", "37.40"),
            BotUttered("Order placed"), act("action_listen"),
            user("thanks", "thank"), BotUttered("Bye"), SlotSet("checkout_stage", "placed"),
        ],
        "handoff": [
            act("action_session_start"), SlotSet("experiment_arms", {"recommendation_count": "two"}),
            act("action_listen"), user("asdf", "nlu_fallback"), act("action_free_form"),
            BotUttered("?", metadata={"llm_cost_usd": 0.001}), act("action_listen"),
            user("a human please", "human_handoff"), SlotSet("handoff_requested", True), act("action_listen"),
        ],
        "no-experiment": [act("action_session_start"), user("hi", "greet"), BotUttered("Hi")],
    }

    async def main(path):
        store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=path)
        for sender, events in conversations.items():
            await store.save(DialogueStateTracker.from_events(sender, events))

    asyncio.run(main(sys.argv[1]))
""")


@pytest.fixture(scope="module")
def rasa_tracker_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not RASA_PYTHON.exists():
        pytest.skip(
            ".venv-rasa is absent (run `make run` or scripts/setup.sh): the fixture tracker "
            "store is written by real Rasa"
        )
    path = tmp_path_factory.mktemp("tracker") / "tracker.db"
    script = path.with_name("generate.py")
    script.write_text(GENERATOR)
    proc = subprocess.run(
        [str(RASA_PYTHON), str(script), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=path.parent,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return path


def test_fixture_has_rasas_exact_schema(rasa_tracker_db: Path) -> None:
    conn = sqlite3.connect(rasa_tracker_db)
    (sql,) = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'events'").fetchone()
    conn.close()
    assert sql == RASA_EVENTS_SCHEMA


def test_outcomes_from_real_rasa_tracker_store(rasa_tracker_db: Path) -> None:
    by_id = {o.sender_id: o for o in read_outcomes(rasa_tracker_db)}
    assert set(by_id) == {"placed", "handoff", "no-experiment"}

    placed = by_id["placed"]
    assert placed.arms == {"recommendation_count": "three", "answer_tone": "warm"}  # the LAST slot event
    assert placed.converted and placed.order_value == Decimal("37.40")
    assert not placed.handoff
    assert placed.user_turns == 7
    assert placed.fallback_turns == 2  # nlu_fallback turn + a turn answered by action_free_form
    assert placed.turns_to_order == 6  # user messages before the first "placed" (the "yes" included)
    assert placed.llm_cost_usd == pytest.approx(0.005)

    handoff = by_id["handoff"]
    assert handoff.arms == {"recommendation_count": "two"}
    assert handoff.handoff and not handoff.converted
    assert handoff.order_value is None and handoff.turns_to_order is None
    assert (handoff.user_turns, handoff.fallback_turns) == (2, 1)  # fallback + free-form counted once
    assert handoff.llm_cost_usd == pytest.approx(0.001)

    assert by_id["no-experiment"].arms == {}


def test_report_cli_on_real_rasa_tracker_store(rasa_tracker_db: Path, tmp_path: Path, capsys) -> None:
    from experiments.__main__ import main

    assert (
        main(
            [
                "report",
                "--tracker-db",
                str(rasa_tracker_db),
                "--config",
                str(REPO / "experiments.yml"),
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "Experiment recommendation_count" in out and "Experiment answer_tone" in out
    assert "WARNING" in out
    assert (tmp_path / "recommendation_count.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_tracker_db_is_an_error(tmp_path: Path, capsys) -> None:
    from experiments.__main__ import main

    assert (
        main(
            [
                "report",
                "--tracker-db",
                str(tmp_path / "nope.db"),
                "--config",
                str(REPO / "experiments.yml"),
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )
    assert "not found" in capsys.readouterr().err
