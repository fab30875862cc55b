"""Abstract models shared by the apps (no tables of their own)."""

from __future__ import annotations

from django.db import models


class TimestampedModel(models.Model):
    """When a row was created and last saved (``auto_now`` is set by ``save()``, not by ``update()``)."""

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def field_names_timestamps_last(model: type[models.Model]) -> list[str]:
    """The model's field names with created_at and updated_at at the end, where the models declared them
    before TimestampedModel (inherited fields come first in ``_meta.fields``): admin pages keep their order."""
    last = ["created_at", "updated_at"]
    names = [f.name for f in model._meta.fields]
    return [n for n in names if n not in last] + [n for n in last if n in names]
