"""Menu version bumping and the menu.updated event, batched per transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.menu.models import MenuVersion

_local = threading.local()


def current_version() -> MenuVersion:
    version, _ = MenuVersion.objects.get_or_create(pk=1)
    return version


def _bump_version() -> None:
    updated = MenuVersion.objects.filter(pk=1).update(counter=F("counter") + 1, updated_at=timezone.now())
    if not updated:
        MenuVersion.objects.get_or_create(pk=1, defaults={"counter": 1})


class _Batch:
    """Item ids changed in one transaction; flushed once, after commit, as one menu.updated."""

    def __init__(self) -> None:
        self.item_ids: set[int] = set()
        self.callback = self.flush

    def is_scheduled(self) -> bool:
        # Rolled-back transactions drop their on_commit callbacks; a dropped batch is stale.
        return any(entry[1] is self.callback for entry in connection.run_on_commit)

    def flush(self) -> None:
        if getattr(_local, "batch", None) is self:
            _local.batch = None
        from apps.webhooks.dispatch import emit_event

        emit_event(
            "menu.updated",
            {"item_ids": sorted(self.item_ids), "version": current_version().version},
        )


def note_menu_change(item_ids: Iterable[int]) -> None:
    """Bump the menu version now; announce the changed items once the transaction commits."""
    _bump_version()
    ids = {int(i) for i in item_ids if i is not None}
    batch: _Batch | None = getattr(_local, "batch", None)
    if connection.in_atomic_block and batch is not None and batch.is_scheduled():
        batch.item_ids |= ids
        return
    batch = _Batch()
    batch.item_ids |= ids
    if connection.in_atomic_block:
        _local.batch = batch
    transaction.on_commit(batch.callback)
