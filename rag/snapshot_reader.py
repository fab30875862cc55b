"""A reader's index (RAG_INDEX_ROLE=reader): the newest published snapshot, on a private copy.

Embedded Qdrant locks the folder it opens, so a reader copies the snapshot CURRENT names
(rag/snapshots.py) into a folder of its own and opens that: readers never meet the writer's lock or
each other's, and never write anything the writer reads. Each search leases the index it started
with; when CURRENT moves (looked at, one stat, at most every `check_seconds` on a search) the next
snapshot is copied and opened beside the old one, in a background thread while an index is being
served, and swapped in. The old one is closed once its last search returns, so a switch fails no
search and needs no restart.
"""

from __future__ import annotations

import atexit
import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from qdrant_client import QdrantClient

from rag.config import RagConfig
from rag.index import VectorIndex
from rag.snapshots import Snapshot, SnapshotStore

logger = logging.getLogger(__name__)


class IndexNotPublished(RuntimeError):
    """No usable snapshot yet: the writer has not published one (callers degrade as for a missing index)."""


@dataclass
class _Opened:
    snapshot: Snapshot
    index: VectorIndex
    folder: Path
    leases: int = 0
    retired: bool = False

    def close(self) -> None:
        self.index.close()
        shutil.rmtree(self.folder, ignore_errors=True)


class SnapshotReader:
    def __init__(
        self,
        store: SnapshotStore,
        collection: str,
        dimension: int,
        *,
        model_id: str | None = None,
        check_seconds: float = 1.0,
        workdir: str | None = None,
    ) -> None:
        self.store = store
        self.collection = collection
        self.dimension = dimension
        self.model_id = model_id  # when given, a snapshot built with another model is not opened
        self.check_seconds = check_seconds
        self.workdir = workdir  # where private copies go (None: the system's temporary folder)
        self._lock = threading.Lock()  # guards _current and the lease counts
        self._loading = threading.Lock()  # one copy-and-open at a time
        self._current: _Opened | None = None
        self._seen: tuple[int, int, int] | None = None  # CURRENT's stamp when last acted upon
        self._checked = float("-inf")
        self._warned_missing = False
        atexit.register(self.close)  # remove the private copy when the process ends normally

    @classmethod
    def from_config(cls, config: RagConfig, dimension: int, *, model_id: str | None = None) -> SnapshotReader:
        return cls(
            SnapshotStore.from_config(config),
            config.collection,
            dimension,
            model_id=model_id,
            check_seconds=config.snapshot_check_seconds,
        )

    @property
    def snapshot(self) -> Snapshot | None:
        """The snapshot being served (None before the first one is open)."""
        opened = self._current
        return opened.snapshot if opened else None

    @contextmanager
    def lease(self) -> Iterator[VectorIndex]:
        """The current index, kept open until the block ends even if a newer snapshot is swapped in."""
        self._check()
        with self._lock:
            opened = self._current
            if opened is None:
                raise IndexNotPublished(
                    f"no published index snapshot in {self.store.root} yet "
                    "(RAG_INDEX_ROLE=reader: the writer publishes one after its first sync)"
                )
            opened.leases += 1
        try:
            yield opened.index
        finally:
            self._release(opened)

    def _release(self, opened: _Opened) -> None:
        with self._lock:
            opened.leases -= 1
            done = opened.retired and opened.leases == 0
        if done:
            opened.close()

    def _check(self) -> None:
        """Called on every search: at most every check_seconds, one stat of CURRENT."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds:
            return
        self._checked = now
        stamp = self.store.stamp()
        if stamp is not None and stamp == self._seen:
            return
        if self._current is None:
            self.refresh()  # nothing to serve meanwhile: this search waits for the copy
        elif not self._loading.locked():
            threading.Thread(target=self.refresh, name="rag-snapshot-refresh", daemon=True).start()

    def refresh(self) -> bool:
        """Open the snapshot CURRENT names if it is not the one served; True when one was swapped in."""
        with self._loading:
            stamp = self.store.stamp()
            if stamp is not None and stamp == self._seen and self._current is not None:
                return False
            snapshot = self.store.current()
            if snapshot is None:
                if not self._warned_missing:
                    logger.warning(
                        "rag reader: no index snapshot published in %s yet; retrieval answers "
                        "nothing until the writer publishes one",
                        self.store.root,
                    )
                    self._warned_missing = True
                return False
            if self._current is not None and self._current.snapshot.name == snapshot.name:
                self._seen = stamp
                return False
            if self.model_id is not None and not self.store.compatible(snapshot, self.model_id):
                logger.error(
                    "rag reader: snapshot %s was built with model %s (schema %s), this reader uses %s; "
                    "not opened",
                    snapshot.name,
                    snapshot.model_id,
                    snapshot.schema,
                    self.model_id,
                )
                self._seen = stamp
                return False
            try:
                opened = self._open(snapshot)
            except Exception as error:
                logger.warning(
                    "rag reader: could not open snapshot %s (%s); keeping %s",
                    snapshot.name,
                    error,
                    self.snapshot.name if self.snapshot else "none",
                )
                return False
            self._seen = stamp
            self._warned_missing = False
            self._replace(opened)
            logger.info(
                "rag reader: serving snapshot %s (%d points, menu %s)",
                snapshot.name,
                snapshot.points,
                snapshot.menu_version,
            )
            return True

    def _open(self, snapshot: Snapshot) -> _Opened:
        folder = Path(tempfile.mkdtemp(prefix="rag-reader-", dir=self.workdir))
        try:
            store = folder / "qdrant"
            shutil.copytree(self.store.path(snapshot.name), store)
            index = VectorIndex(
                QdrantClient(path=str(store)), self.collection, self.dimension, path=str(store)
            )
            try:
                if not index.exists():
                    raise RuntimeError(f"collection {self.collection!r} is not in the snapshot")
                index.load_lexical_mirror()
            except BaseException:
                index.close()
                raise
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return _Opened(snapshot, index, folder)

    def close(self) -> None:
        """Close the served index (a search still holding it closes it when it returns)."""
        self._replace(None)

    def _replace(self, new: _Opened | None) -> None:
        """Serve `new` instead of the current index; the old one closes now if no search holds it,
        else when its last search returns."""
        with self._lock:
            old, self._current = self._current, new
            if old is not None:
                old.retired = True
                idle = old.leases == 0
        if old is not None and idle:
            old.close()
