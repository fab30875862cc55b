"""A conversation saved as a test is written in Rasa's own story format."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml

from .conftest import REVIEW_DB, csrf_post

pytestmark = pytest.mark.django_db(**REVIEW_DB)

SENDER = "guest-form-ends"
T0 = 1764000900.0  # beside the fixture's conversations


def write_form_that_ends(tracker: Path) -> None:
    """A form that runs and ends, as Rasa's SQLTrackerStore stores it (the ending loop's name is null)."""
    rows = [
        ("user", "checkout", None, {"event": "user", "text": "checkout", "parse_data": {}}),
        ("action", None, "checkout_form", {"event": "action", "name": "checkout_form"}),
        ("active_loop", None, "checkout_form", {"event": "active_loop", "name": "checkout_form"}),
        ("action", None, "checkout_form", {"event": "action", "name": "checkout_form"}),
        ("active_loop", None, None, {"event": "active_loop", "name": None}),
        ("action", None, "action_place_order", {"event": "action", "name": "action_place_order"}),
    ]
    with sqlite3.connect(tracker) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (SENDER, type_name, T0 + i, intent, action, json.dumps({**data, "timestamp": T0 + i}))
                for i, (type_name, intent, action, data) in enumerate(rows)
            ],
        )


def test_a_form_that_ends_is_saved_as_active_loop_null(tracker, rclient, settings):
    write_form_that_ends(tracker)
    assert csrf_post(rclient, f"/review/c/{SENDER}/act/", {"op": "save_test"}).status_code == 302
    text = (Path(settings.REVIEW_TESTS_DIR) / f"test_review_{SENDER}.yml").read_text(encoding="utf-8")
    assert "      - active_loop: null\n" in text
    steps = yaml.safe_load(text)["stories"][0]["steps"]
    assert [s for s in steps if "active_loop" in s] == [
        {"active_loop": "checkout_form"},
        {"active_loop": None},
    ]
    assert steps[-1] == {"action": "action_place_order"}
