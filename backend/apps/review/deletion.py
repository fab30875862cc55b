"""The one write the review tool makes to the tracker store: deleting one guest's events (data-deletion request)."""
from __future__ import annotations

import sqlite3

import dj_database_url
from django.conf import settings

from .models import ConversationReview, ConversationSummary, MessageFlag, TurnCorrection


def delete_sender(sender_id: str) -> int:
    """Deletes every event of `sender_id` through a separate, explicit read-write connection."""
    config = dj_database_url.parse(settings.TRACKER_DATABASE_URL)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        conn = sqlite3.connect(config["NAME"], timeout=20)
        try:
            with conn:
                removed = conn.execute("DELETE FROM events WHERE sender_id = ?", [sender_id]).rowcount
        finally:
            conn.close()
    else:  # PostgreSQL
        import psycopg

        with psycopg.connect(settings.TRACKER_DATABASE_URL.replace("postgresql+psycopg2", "postgresql")) as conn:
            removed = conn.execute("DELETE FROM events WHERE sender_id = %s", [sender_id]).rowcount
    ConversationSummary.objects.filter(sender_id=sender_id).delete()
    MessageFlag.objects.filter(sender_id=sender_id).delete()
    TurnCorrection.objects.filter(sender_id=sender_id).delete()
    ConversationReview.objects.filter(sender_id=sender_id).delete()
    return removed
