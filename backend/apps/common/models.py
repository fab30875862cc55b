"""Abstract models shared by the apps (no tables of their own)."""
from __future__ import annotations

from django.db import models


class TimestampedModel(models.Model):
    """When a row was created and last saved (``auto_now`` is set by ``save()``, not by ``update()``)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
