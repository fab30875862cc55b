"""The review tool reads whatever is in the tracker store: a REST client decides much of what a user
event holds (`"input_channel": 1` in the body is stored as is), so ints, lists, nulls, nested dicts
where strings belong, missing keys, bad JSON and huge strings must never take the inbox down."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from .conftest import REVIEW_DB, csrf_post
from .test_review import event_id

pytestmark = pytest.mark.django_db(**REVIEW_DB)

SENDER = "guest-hostile"
READABLE = "do you have gluten free pasta"
FOLLOW_UP = "is the lasagne vegan"
T0 = 1764000500.0  # 2025-11-24, beside the fixture's conversations


def user(**fields: Any) -> dict[str, Any]:
    return {"event": "user", "timestamp": T0, **fields}


# (type_name, intent_name, action_name, data, timestamp): one row of Rasa's `events` table each.
HOSTILE_ROWS: list[tuple[str, Any, Any, Any, Any]] = [
    ("session_started", None, None, json.dumps({"event": "session_started"}), T0),
    # the trigger of the issue: `"input_channel": 1` in a REST body
    ("user", "greet", None, json.dumps(user(text=READABLE, input_channel=1)), T0 + 1),
    (
        "user",
        None,
        None,
        json.dumps(
            user(
                text=["a", "list"],
                input_channel=["rest"],
                metadata=[1, 2],
                parse_data={
                    "intent": "greet",
                    "intent_ranking": [1, None, {"name": {"x": 1}}],
                    "entities": [
                        "junk",
                        {"entity": ["e"], "start": "3", "end": None},
                        {"entity": "dish", "start": 0, "end": None},
                    ],
                },
            )
        ),
        T0 + 2,
    ),
    (
        "user",
        None,
        None,
        json.dumps(
            user(
                text={"nested": "dict"},
                input_channel={"nested": {"deeper": 1}},
                parse_data={"intent": {"name": 7, "confidence": "high"}, "entities": {"a": 1}},
            )
        ),
        T0 + 3,
    ),
    ("user", None, None, json.dumps(user(text=None, input_channel=None, parse_data=None)), T0 + 4),
    ("user", None, None, json.dumps([1, 2, 3]), T0 + 5),  # not an object at all
    ("user", None, None, "null", T0 + 6),
    ("user", None, None, "{not json", T0 + 7),
    ("user", None, None, None, T0 + 8),
    ("user", None, None, json.dumps({"event": "user"}), "not a time"),  # missing keys, a text timestamp
    (
        "user",
        "ask_dish",
        None,
        json.dumps(
            user(
                text=FOLLOW_UP,
                input_channel="rest",
                parse_data={"intent": {"name": "ask_dish", "confidence": 0.6}},
            )
        ),
        T0 + 9,
    ),
    ("user", None, None, json.dumps(user(text="x" * 1_000_000, input_channel="y" * 100_000)), T0 + 10),
    (
        "user",
        None,
        None,
        json.dumps(user(text="7" * 200_000 + " call me")),
        T0 + 11,
    ),  # digits: the phone matcher
    (
        "user",
        None,
        None,
        '{"event": "user", "text": "deep", "metadata": ' + "[" * 50_000 + "]" * 50_000 + "}",
        T0 + 12,
    ),
    (
        "user",
        None,
        None,
        '{"event": "user", "text": "big", "parse_data": {"intent": {"name": "greet", "confidence": 1'
        + "0" * 400
        + '}, "entities": [{"entity": "dish", "value": {"v": "'
        + "v" * 100_000
        + '"}}]}}',
        T0 + 12,
    ),
    ("action", None, None, json.dumps({"event": "action", "policy": ["p"], "confidence": "sure"}), T0 + 12),
    ("bot", None, None, json.dumps({"event": "bot", "text": 5, "metadata": "meta", "data": [1]}), T0 + 13),
    (
        "bot",
        None,
        None,
        json.dumps({"event": "bot", "text": "ok", "metadata": {"retrieved_context": "c" * 500_000}}),
        T0 + 14,
    ),
    (
        "slot",
        None,
        "checkout_stage",
        json.dumps({"event": "slot", "value": {"deep": [1, {"x": None}]}}),
        T0 + 15,
    ),
    ("slot", None, ["not", "a", "name"], json.dumps({"event": "slot", "name": 3}), T0 + 16),
    ("active_loop", None, None, json.dumps({"event": "active_loop", "name": {"x": 1}}), T0 + 17),
]


def write_hostile_conversation(tracker: Path) -> None:
    """Rows as a tracker store holds them after hostile REST messages (the fixture copy is writable)."""
    with sqlite3.connect(tracker) as db:
        db.executemany(
            "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) VALUES (?, ?, ?, ?, ?, ?)",
            [
                (
                    SENDER,
                    type_name,
                    ts,
                    json.dumps(intent) if isinstance(intent, list) else intent,
                    json.dumps(action) if isinstance(action, list) else action,
                    data,
                )
                for type_name, intent, action, data, ts in HOSTILE_ROWS
            ],
        )


def test_hostile_tracker_content_leaves_the_inbox_working_and_the_conversation_readable(tracker, rclient):
    write_hostile_conversation(tracker)

    inbox = rclient.get("/review/")
    assert inbox.status_code == 200
    rows = {row.sender_id: row for row in inbox.context["rows"]}
    assert SENDER in rows and "guest-lowconf" in rows  # the hostile one and everyone else
    assert rows[SENDER].turns == 14 and rows[SENDER].channel == "rest"
    assert READABLE in inbox.content.decode()
    assert rclient.get("/review/").status_code == 200  # and on every later load

    page = rclient.get(f"/review/c/{SENDER}/")
    assert page.status_code == 200
    shown = page.content.decode()
    assert READABLE in shown and FOLLOW_UP in shown and "ask_dish" in shown
    assert len(page.content) < 500_000  # a megabyte of text is not poured into the page

    assert rclient.get("/review/?channel=rest").status_code == 200
    assert rclient.get("/review/nlu/").status_code == 200


def test_saving_flagging_and_exporting_a_hostile_conversation_work(tracker, rclient, settings):
    write_hostile_conversation(tracker)
    bot_event = event_id(tracker, SENDER, "bot")  # text 5, metadata "meta", data [1]
    assert csrf_post(rclient, f"/review/c/{SENDER}/act/", {"op": "save_test"}).status_code == 302
    saved = next(Path(settings.REVIEW_TESTS_DIR).glob("test_review_*.yml")).read_text(encoding="utf-8")
    assert FOLLOW_UP in saved
    csrf_post(
        rclient, f"/review/c/{SENDER}/act/", {"op": "flag", "event_id": bot_event, "label": "wrong_fact"}
    )
    assert csrf_post(rclient, "/review/export/", {}).status_code == 200
