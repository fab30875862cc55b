"""Test helpers shared by the erasure tests (customers, accounts): an empty tracker store in Rasa's schema wired
to the read-only "tracker" alias, events in Rasa's JSON format, and a search of every table for a text."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.apps import apps
from django.db import models

from apps.review.tests.tracker_copy import tracker_copy

# Rasa 3.6's SQLTrackerStore table (as in apps/review/tests/fixtures/tracker.db).
SCHEMA = """CREATE TABLE events (id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT, PRIMARY KEY (id));
CREATE INDEX ix_events_sender_id ON events (sender_id);"""
# Transactional: the tracker alias is re-pointed at a file, which an open test transaction would not allow.
TRACKER_DB = {"databases": ["default", "tracker"], "transaction": True}


@contextmanager
def empty_tracker(tmp_path: Path, settings) -> Iterator[Path]:
    """A tracker store with no conversations; the review tool's export files under tmp_path too."""
    settings.REVIEW_TESTS_DIR = str(tmp_path / "conversations")
    settings.REVIEW_NLU_EXPORT_FILE = str(tmp_path / "nlu" / "reviewed.yml")
    settings.REVIEW_LLM_EVAL_FILE = str(tmp_path / "llm_eval.jsonl")
    settings.REVIEW_GROUPING = "none"
    source = tmp_path / "empty-tracker.db"
    conn = sqlite3.connect(source)
    conn.executescript(SCHEMA)
    conn.close()
    with tracker_copy(source, tmp_path, settings) as path:
        yield path


def add_conversation(
    path: Path,
    sender_id: str,
    turns: list[tuple[str, str]],
    customer: str | None = None,
    intent: str = "inform",
) -> list[int]:
    """Writes a conversation as Rasa would: (guest text, bot reply) turns; `customer` is the verified customer id
    the chat channels put into a signed-in guest's message metadata. Returns the new event ids."""
    conn = sqlite3.connect(path)
    start = conn.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    rows = []
    for n, (text, reply) in enumerate(turns):
        ts = 1764000000.0 + start + 2 * n
        user = {
            "event": "user",
            "timestamp": ts,
            "text": text,
            "input_channel": "socketio",
            "message_id": None,
            "metadata": {"customer": customer} if customer else {},
            "parse_data": {
                "intent": {"name": intent, "confidence": 0.6},
                "entities": [],
                "text": text,
                "intent_ranking": [{"name": intent, "confidence": 0.6}],
            },
        }
        bot = {"event": "bot", "timestamp": ts + 1, "text": reply, "data": {}, "metadata": {}}
        rows += [
            (sender_id, "user", ts, intent, None, json.dumps(user)),
            (sender_id, "bot", ts + 1, None, None, json.dumps(bot)),
        ]
    with conn:
        ids = [
            conn.execute(
                "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                row,
            ).lastrowid
            for row in rows
        ]
    conn.close()
    return ids


def tracker_count(path: Path, sender_id: str | None = None, like: str | None = None) -> int:
    sql, params = "SELECT count(*) FROM events WHERE 1=1", []
    if sender_id is not None:
        sql, params = sql + " AND sender_id = ?", [*params, sender_id]
    if like is not None:
        sql, params = sql + " AND data LIKE ?", [*params, f"%{like}%"]
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


TEXT_FIELDS = (models.CharField, models.TextField, models.JSONField)


def found_in_database(needle: str) -> list[str]:
    """Every "app.Model.field" of the backend's database holding `needle` (case-insensitive), all tables."""
    hits = []
    for model in apps.get_models():
        if not model._meta.managed or model._meta.db_table == "events":
            continue
        for f in model._meta.concrete_fields:
            if isinstance(f, TEXT_FIELDS):
                lookup = {f"{f.name}__icontains": needle} if not isinstance(f, models.JSONField) else None
                if lookup is None:  # JSON: search its text form
                    if any(
                        needle.lower() in json.dumps(v).lower()
                        for v in model._default_manager.values_list(f.name, flat=True)
                    ):
                        hits.append(f"{model._meta.label}.{f.name}")
                elif model._default_manager.filter(**lookup).exists():
                    hits.append(f"{model._meta.label}.{f.name}")
    return hits
