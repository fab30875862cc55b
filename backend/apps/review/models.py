from __future__ import annotations

import json

from django.conf import settings
from django.db import models


class TrackerEvent(models.Model):
    """One row of Rasa's SQL tracker store (`events`), read-only through the "tracker" alias."""

    id = models.IntegerField(primary_key=True)
    sender_id = models.CharField(max_length=255)
    type_name = models.CharField(max_length=255)
    timestamp = models.FloatField(null=True)
    intent_name = models.CharField(max_length=255, null=True)
    action_name = models.CharField(max_length=255, null=True)
    data = models.TextField(null=True)

    class Meta:
        managed = False
        db_table = "events"
        ordering = ["id"]

    def payload(self) -> dict:
        try:
            return json.loads(self.data or "{}")
        except ValueError:
            return {}

    def save(self, *args, **kwargs):  # pragma: no cover - guarded by the router too
        raise RuntimeError("the tracker store is read-only")

    def delete(self, *args, **kwargs):  # pragma: no cover
        raise RuntimeError("the tracker store is read-only")


class ConversationSummary(models.Model):
    """Per-conversation figures precomputed from the tracker, refreshed incrementally by event id."""

    sender_id = models.CharField(max_length=255, unique=True)
    first_ts = models.FloatField(null=True, db_index=True)
    last_ts = models.FloatField(null=True, db_index=True)
    channel = models.CharField(max_length=64, blank=True, default="", db_index=True)
    turns = models.IntegerField(default=0, db_index=True)
    min_confidence = models.FloatField(null=True, db_index=True)
    has_fallback = models.BooleanField(default=False)
    has_handoff = models.BooleanField(default=False)
    placed = models.BooleanField(default=False)
    cart_set = models.BooleanField(default=False)
    intents = models.TextField(default="|")  # "|greet|order_item|"
    actions = models.TextField(default="|")
    first_text = models.TextField(blank=True, default="")
    max_event_id = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-last_ts"]


class SyncState(models.Model):
    key = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)


class Tag(models.Model):
    name = models.SlugField(max_length=64, unique=True)

    def __str__(self) -> str:
        return self.name


class ConversationReview(models.Model):
    STATUSES = [("new", "new"), ("reviewed", "reviewed"), ("flagged", "flagged")]
    sender_id = models.CharField(max_length=255, unique=True)
    status = models.CharField(max_length=16, choices=STATUSES, default="new", db_index=True)
    tags = models.ManyToManyField(Tag, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        permissions = [("reviewer", "Can review conversations and export training data")]


class MessageFlag(models.Model):
    LABELS = [
        ("wrong_fact", "wrong fact"),
        ("unsafe", "unsafe"),
        ("off_tone", "off tone"),
        ("good", "good"),
        ("wrong", "wrong (other)"),
    ]
    sender_id = models.CharField(max_length=255, db_index=True)
    event_id = models.BigIntegerField()
    label = models.CharField(max_length=16, choices=LABELS)
    note = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        unique_together = [("event_id", "label")]


class TurnCorrection(models.Model):
    """A reviewer's fix of what the NLU understood for one user event."""

    sender_id = models.CharField(max_length=255, db_index=True)
    event_id = models.BigIntegerField(unique=True)
    intent = models.CharField(max_length=255)
    entities = models.JSONField(default=list)  # [{"entity", "start", "end", "value"}]
    updated_at = models.DateTimeField(auto_now=True)


class SavedFilter(models.Model):
    name = models.CharField(max_length=100)
    query = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)


class NLUDecision(models.Model):
    STATUSES = [("validated", "validated"), ("out_of_scope", "out of scope"), ("deleted", "deleted")]
    normalized = models.CharField(max_length=500, unique=True)
    text = models.TextField()
    intent = models.CharField(max_length=255)
    entities = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=STATUSES)
    exported = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)


class AuditLog(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=64)
    target = models.CharField(max_length=255, blank=True, default="")
    detail = models.JSONField(default=dict)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]


def audit(user, action: str, target: str = "", **detail) -> AuditLog:
    return AuditLog.objects.create(
        user=user if getattr(user, "pk", None) else None,
        username=getattr(user, "username", "") or "",
        action=action,
        target=target,
        detail=detail,
    )
