"""Published snapshots of the embedded index, so that several action servers can search one QDRANT_PATH.

Embedded Qdrant lets one process open a folder. The writer (RAG_INDEX_ROLE=writer: the action server
that syncs, or the CLI) keeps the folder and, after each change, publishes a complete copy:

    <QDRANT_PATH>/snapshots/<name>/     an ordinary Qdrant folder, never changed once published
    <QDRANT_PATH>/snapshots/CURRENT     JSON naming the newest one (replaced atomically)

A snapshot is exported into a staging folder and renamed into place, then CURRENT is replaced: a
reader sees either the old snapshot or the whole new one. Readers (rag/snapshot_reader.py) copy the
snapshot CURRENT names into a private folder and open that, so they never take the writer's lock or
each other's. Old snapshots are pruned; the newest KEEP stay, so one a reader is copying at that
moment is not pulled away (and if it were, the reader keeps its index and tries again).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.config import RagConfig
from rag.index import SCHEMA_VERSION, VectorIndex

logger = logging.getLogger(__name__)

POINTER = "CURRENT"
KEEP = 3  # published snapshots kept (the current one always among them)
STAGING_PREFIX = ".staging-"
STALE_STAGING_SECONDS = 600  # a staging folder this old was left by a writer that died mid-publish


@dataclass(frozen=True)
class Snapshot:
    """What CURRENT records about the snapshot it names."""

    name: str
    menu_version: str | None = None
    points: int = 0
    model_id: str | None = None
    schema: int | None = None
    published_at: float = 0.0


class SnapshotStore:
    """The snapshots folder: the writer publishes and prunes, readers read CURRENT."""

    def __init__(self, root: str | Path, *, keep: int = KEEP) -> None:
        self.root = Path(root)
        self.keep = max(1, keep)

    @classmethod
    def from_config(cls, config: RagConfig) -> SnapshotStore:
        return cls(config.snapshots_dir)

    @property
    def pointer(self) -> Path:
        return self.root / POINTER

    def path(self, name: str) -> Path:
        return self.root / name

    # -- writer --------------------------------------------------------------------------------

    def publish(self, index: VectorIndex) -> Snapshot:
        """Export `index` as a new snapshot, point CURRENT at it and prune old ones."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns():020d}"  # sorts by age; one writer per folder, so never reused
        staging = self.root / f"{STAGING_PREFIX}{name}-{os.getpid()}"
        try:
            summary = index.export(staging)
            os.rename(staging, self.path(name))
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        meta = summary.get("meta") or {}
        snapshot = Snapshot(
            name=name,
            menu_version=meta.get("menu_version"),
            points=int(summary.get("points", 0)),
            model_id=meta.get("model_id"),
            schema=meta.get("schema"),
            published_at=time.time(),
        )
        self._write_pointer(snapshot)
        self.prune()
        logger.info(
            "rag snapshot published: %s (%d points, menu %s)", name, snapshot.points, snapshot.menu_version
        )
        return snapshot

    def _write_pointer(self, snapshot: Snapshot) -> None:
        temporary = self.root / f"{POINTER}.{os.getpid()}.tmp"
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(asdict(snapshot), handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.pointer)  # atomic: a reader reads the old pointer or the new one

    def prune(self) -> list[str]:
        """Delete all but the newest `keep` snapshots (never the current one) and dead staging folders."""
        current = self.current()
        names = sorted(
            (entry.name for entry in self._entries() if not entry.name.startswith(".")), reverse=True
        )
        keep = set(names[: self.keep]) | ({current.name} if current else set())
        removed = [name for name in names if name not in keep]
        for name in removed:
            shutil.rmtree(self.path(name), ignore_errors=True)
        for entry in self._entries():
            if (
                entry.name.startswith(STAGING_PREFIX)
                and time.time() - entry.stat().st_mtime > STALE_STAGING_SECONDS
            ):
                shutil.rmtree(entry, ignore_errors=True)
        return removed

    def _entries(self) -> list[os.DirEntry[str]]:
        try:
            with os.scandir(self.root) as entries:
                return [entry for entry in entries if entry.is_dir()]
        except FileNotFoundError:
            return []

    # -- readers -------------------------------------------------------------------------------

    def stamp(self) -> tuple[int, int, int] | None:
        """A cheap fingerprint of CURRENT (one stat): it changes whenever a snapshot is published."""
        try:
            info = os.stat(self.pointer)
        except FileNotFoundError:
            return None
        return info.st_ino, info.st_mtime_ns, info.st_size

    def current(self) -> Snapshot | None:
        """The snapshot CURRENT names, or None before the first publication."""
        try:
            data: dict[str, Any] = json.loads(self.pointer.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        known = set(Snapshot.__dataclass_fields__)
        return Snapshot(**{key: value for key, value in data.items() if key in known})

    def compatible(self, snapshot: Snapshot, model_id: str) -> bool:
        """Built with the reader's model and the current collection layout (else its vectors mean nothing here)."""
        return snapshot.model_id == model_id and snapshot.schema == SCHEMA_VERSION
