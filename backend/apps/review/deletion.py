"""Erasing conversations from what the review tool reads and keeps: Rasa's tracker store, the review rows,
NLU decisions drawn from the conversations and the audit entries about them.

Deleting tracker events is the one write the review tool makes to the tracker store; it goes through a
separate, explicit read-write connection (the "tracker" alias stays read-only). Everything else is read
through the alias. `apps.customers.erasure` decides what to erase; this module knows how.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import dj_database_url
from django.conf import settings
from django.db import DatabaseError, connections
from django.db.models import QuerySet

from .models import (
    AuditLog,
    ConversationReview,
    ConversationSummary,
    MessageFlag,
    NLUDecision,
    TurnCorrection,
)
from .nlu import normalise
from .router import TRACKER_ALIAS
from .tracker import as_text, payload_of

CHUNK = 500  # sender ids per statement (SQLite allows 999 parameters in older builds)
# Audit detail that may quote the guest (entity values of a correction, a saved test's file name).
AUDIT_DETAIL_WITH_TEXT = ("entities", "path", "note")


@dataclass
class TrackerData:
    """What the tracker store holds about some conversations, read before they are deleted."""

    sender_ids: set[str] = field(default_factory=set)  # those with at least one event
    event_ids: set[int] = field(default_factory=set)
    texts: set[str] = field(default_factory=set)  # the guests' messages, normalised as the NLU inbox does


def _chunks(values: Iterable[str], size: int = CHUNK) -> Iterator[list[str]]:
    values = sorted(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _placeholders(values: Sequence[str]) -> str:
    return ", ".join(["%s"] * len(values))


def tracker_has_events() -> bool:
    """Whether the tracker store exists yet (no SQLite file or no `events` table: Rasa never ran)."""
    conn = connections[TRACKER_ALIAS]
    if conn.vendor == "sqlite":
        name = str(conn.settings_dict["NAME"]).removeprefix("file:").split("?")[0]
        if name != ":memory:" and not Path(name).exists():
            return False
    return "events" in conn.introspection.table_names()


def senders_mentioning(token: str) -> set[str]:
    """Conversations whose events contain `token` anywhere, e.g. the customer id the chat channels put into
    message metadata for a signed-in guest: how a guest's chats without a cart or order are found."""
    if not token or not tracker_has_events():
        return set()
    pattern = "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    with connections[TRACKER_ALIAS].cursor() as cursor:
        cursor.execute("SELECT DISTINCT sender_id FROM events WHERE data LIKE %s ESCAPE '\\'", [pattern])
        return {row[0] for row in cursor.fetchall()}


def read(sender_ids: Iterable[str]) -> TrackerData:
    found = TrackerData()
    if not tracker_has_events():
        return found
    with connections[TRACKER_ALIAS].cursor() as cursor:
        for chunk in _chunks(set(sender_ids)):
            cursor.execute(
                f"SELECT id, sender_id, type_name, data FROM events WHERE sender_id IN "
                f"({_placeholders(chunk)})",
                chunk,
            )
            for event_id, sender_id, type_name, data in cursor.fetchall():
                found.sender_ids.add(sender_id)
                found.event_ids.add(int(event_id))
                if type_name == "user":
                    norm = normalise(as_text(payload_of(data).get("text")).strip())
                    if norm:
                        found.texts.add(norm)
    return found


def _said_elsewhere(norms: set[str], sender_ids: set[str]) -> set[str]:
    """Which of `norms` a guest outside `sender_ids` also wrote (a scan of all guest messages)."""
    seen: set[str] = set()
    with connections[TRACKER_ALIAS].chunked_cursor() as cursor:  # server-side on PostgreSQL
        cursor.execute("SELECT sender_id, data FROM events WHERE type_name = 'user'")
        while rows := cursor.fetchmany(5000):
            for sender_id, data in rows:
                if sender_id not in sender_ids:
                    norm = normalise(as_text(payload_of(data).get("text")).strip())
                    if norm in norms:
                        seen.add(norm)
    return seen


def delete_nlu_decisions(data: TrackerData) -> list[NLUDecision]:
    """Deletes the NLU decisions made on these guests' messages, and returns them (their exported lines go too).

    A decision has no conversation id, only the message text: one whose text another guest also wrote
    ("hello", "two pizzas please") is not this guest's and stays, with the staff work in it.
    """
    decisions = list(NLUDecision.objects.filter(normalized__in=data.texts)) if data.texts else []
    if not decisions:
        return []
    shared = _said_elsewhere({d.normalized for d in decisions}, data.sender_ids)
    gone = [d for d in decisions if d.normalized not in shared]
    NLUDecision.objects.filter(pk__in=[d.pk for d in gone]).delete()
    return gone


def delete_rows(queryset: QuerySet) -> int:
    """Deletes the rows and counts them alone (QuerySet.delete() also counts the rows deleted with them)."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def delete_review_rows(sender_ids: Iterable[str]) -> dict[str, int]:
    ids = set(sender_ids)
    return {
        "conversation_summaries": delete_rows(ConversationSummary.objects.filter(sender_id__in=ids)),
        "message_flags": delete_rows(MessageFlag.objects.filter(sender_id__in=ids)),
        "turn_corrections": delete_rows(TurnCorrection.objects.filter(sender_id__in=ids)),
        "conversation_reviews": delete_rows(ConversationReview.objects.filter(sender_id__in=ids)),
    }


def scrub_audit(sender_ids: Iterable[str]) -> int:
    """Earlier audit entries about these conversations keep who did what and when, not what the guest wrote."""
    scrubbed = 0
    for entry in AuditLog.objects.filter(target__in=set(sender_ids)):
        if any(key in entry.detail for key in AUDIT_DETAIL_WITH_TEXT):
            entry.detail = {k: v for k, v in entry.detail.items() if k not in AUDIT_DETAIL_WITH_TEXT}
            entry.detail["erased"] = True
            entry.save(update_fields=["detail"])
            scrubbed += 1
    return scrubbed


def delete_events(sender_ids: Iterable[str]) -> int:
    """Deletes every event of these conversations through a separate, explicit read-write connection."""
    ids = set(sender_ids)
    if not ids:
        return 0
    config = dj_database_url.parse(settings.TRACKER_DATABASE_URL)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not Path(config["NAME"]).exists():  # never create an empty tracker file
            return 0
        try:
            conn = sqlite3.connect(config["NAME"], timeout=20)
            try:
                with conn:  # one transaction: all of these conversations or none
                    return sum(
                        conn.execute(
                            f"DELETE FROM events WHERE sender_id IN ({', '.join('?' * len(chunk))})", chunk
                        ).rowcount
                        for chunk in _chunks(ids)
                    )
            finally:
                conn.close()
        except sqlite3.Error as exc:
            raise DatabaseError(f"tracker store: {exc}") from exc
    import psycopg  # PostgreSQL

    try:
        with psycopg.connect(
            settings.TRACKER_DATABASE_URL.replace("postgresql+psycopg2", "postgresql")
        ) as conn:
            return conn.execute("DELETE FROM events WHERE sender_id = ANY(%s)", [sorted(ids)]).rowcount
    except psycopg.Error as exc:
        raise DatabaseError(f"tracker store: {exc}") from exc
