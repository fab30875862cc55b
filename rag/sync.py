"""Keeps the index in step with the backend menu and the Markdown docs.

- rebuild(): everything from scratch (CLI `python -m rag rebuild`), with a progress bar.
- ensure_current(): at action-server start; compares the backend's menu version (and the docs'
  hashes) with what the index was built from and re-embeds only what changed.
- update_items(ids): for the `menu.updated` webhook; re-embeds only items whose text changed.

On the embedded store each of them that changed the index then publishes a snapshot for reader
processes (rag/snapshots.py); a new Indexer publishes on its first call whatever it finds, so a
writer that died between a write and its publication leaves no reader behind for long.

The index records the menu version it was synced from. update_items() does not move that version
(a missed webhook would otherwise go unnoticed); the next ensure_current() reconciles, cheaply,
since unchanged content is skipped by hash.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

from rag.config import RagConfig
from rag.documents import Chunk, load_docs, point_id, sha256
from rag.embedder import Embedder, shared_embedder
from rag.index import SCHEMA_VERSION, VectorIndex
from rag.menu_source import MenuSource, item_to_chunk
from rag.snapshots import SnapshotStore

logger = logging.getLogger(__name__)


@dataclass
class SyncReport:
    action: str  # "rebuilt", "synced", "current", "updated"
    menu_version: str | None = None
    embedded: int = 0  # points whose text was (re-)embedded
    payload_updated: int = 0  # points whose payload changed but text did not
    deleted: int = 0
    unchanged: int = 0
    points: int = 0
    seconds: float = 0.0
    ids: list[str] = field(default_factory=list)  # ids embedded or rewritten
    published: str | None = None  # the snapshot published for readers afterwards, if any

    @property
    def changed(self) -> bool:
        return self.action == "rebuilt" or bool(self.embedded or self.payload_updated or self.deleted)


def _docs_hash(docs: Sequence[Chunk]) -> str:
    """Fingerprint of the Markdown docs (ids and texts): a changed, added or removed doc changes it."""
    return sha256(sorted((chunk.id, chunk.content_hash) for chunk in docs))


class Indexer:
    def __init__(
        self,
        source: MenuSource,
        embedder: Embedder,
        index: VectorIndex,
        docs_dir: str,
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.source = source
        self.embedder = embedder
        self.index = index
        self.docs_dir = docs_dir
        self.snapshots = snapshots  # where readers find the index (embedded store only)
        self._unpublished = snapshots is not None  # publish at the first call even if nothing changes

    @classmethod
    def from_config(cls, config: RagConfig, *, embedder: Embedder | None = None) -> Indexer:
        embedder = embedder or shared_embedder(config.model_path)
        return cls(
            MenuSource(config.backend_url, token=config.backend_token, timeout=config.backend_timeout),
            embedder,
            VectorIndex.from_config(config, embedder.dimension),
            config.docs_dir,
            SnapshotStore.from_config(config) if config.embedded else None,
        )

    def publish(self) -> str | None:
        """Publish the index as a snapshot for readers; the snapshot's name, or None when there is
        nowhere to publish (a Qdrant server) or it failed (logged; retried after the next call)."""
        if self.snapshots is None:
            return None
        try:
            name = self.snapshots.publish(self.index).name
        except Exception as error:
            logger.error(
                "rag snapshot not published (%s: %s); readers keep the previous one",
                error.__class__.__name__,
                error,
            )
            self._unpublished = True
            return None
        self._unpublished = False
        return name

    def _published(self, report: SyncReport) -> SyncReport:
        if report.changed or self._unpublished:
            report.published = self.publish()
        return report

    def _all_chunks(self) -> tuple[str, list[Chunk]]:
        # Version first: if the menu changes while we read, the recorded version is older than the
        # content and the next ensure_current() simply syncs again.
        version = self.source.version()
        chunks = [item_to_chunk(item) for item in self.source.items()] + load_docs(self.docs_dir)
        return version, chunks

    def _embed_and_upsert(self, chunks: Sequence[Chunk], *, progress: bool, batch_size: int = 32) -> None:
        bar = tqdm(total=len(chunks), desc="embedding", unit="doc", disable=not progress)
        try:
            for start in range(0, len(chunks), batch_size):
                batch = chunks[start : start + batch_size]
                self.index.upsert(batch, self.embedder.embed_documents([chunk.text for chunk in batch]))
                bar.update(len(batch))
        finally:
            bar.close()

    def _record(self, version: str, chunks: Sequence[Chunk]) -> None:
        self.index.set_meta(
            menu_version=version,
            model_id=self.embedder.model_id,
            schema=SCHEMA_VERSION,
            docs_hash=_docs_hash([chunk for chunk in chunks if chunk.kind != "menu_item"]),
        )

    def rebuild(self, *, progress: bool = True) -> SyncReport:
        """Re-embed everything into a fresh collection. `seconds` excludes loading the model."""
        self.embedder.load()
        started = time.perf_counter()
        version, chunks = self._all_chunks()
        self.index.reset()
        self._embed_and_upsert(chunks, progress=progress)
        self._record(version, chunks)
        report = SyncReport(
            "rebuilt",
            version,
            embedded=len(chunks),
            points=self.index.count(),
            seconds=time.perf_counter() - started,
            ids=[chunk.id for chunk in chunks],
        )
        logger.info("rag index rebuilt: %d points, menu %s, %.1fs", report.points, version, report.seconds)
        return self._published(report)

    def _apply(
        self,
        chunks: Sequence[Chunk],
        stored: dict[str, tuple[str, str]],
        report: SyncReport,
        *,
        progress: bool = False,
    ) -> None:
        to_embed: list[Chunk] = []
        for chunk in chunks:
            old = stored.get(chunk.id)
            payload_hash = chunk.payload()["payload_hash"]
            if old is None or old[0] != chunk.content_hash:
                to_embed.append(chunk)
            elif old[1] != payload_hash:
                self.index.overwrite_payload(chunk)
                report.payload_updated += 1
                report.ids.append(chunk.id)
            else:
                report.unchanged += 1
        self._embed_and_upsert(to_embed, progress=progress)
        report.embedded += len(to_embed)
        report.ids.extend(chunk.id for chunk in to_embed)

    def ensure_current(self, *, progress: bool = False) -> SyncReport:
        """Bring the index up to date with the backend and the docs; cheap when nothing changed."""
        started = time.perf_counter()
        meta = self.index.meta() if self.index.exists() else {}
        if not meta or meta.get("model_id") != self.embedder.model_id or meta.get("schema") != SCHEMA_VERSION:
            return self.rebuild(progress=progress)
        version = self.source.version()
        if version == meta.get("menu_version") and meta.get("docs_hash") == _docs_hash(
            load_docs(self.docs_dir)
        ):
            return self._published(
                SyncReport(
                    "current", version, points=self.index.count(), seconds=time.perf_counter() - started
                )
            )
        version, chunks = self._all_chunks()
        report = SyncReport("synced", version)
        stored = self.index.hashes()
        self._apply(chunks, stored, report, progress=progress)
        stale = set(stored) - {chunk.id for chunk in chunks}
        self.index.delete(stale)
        report.deleted = len(stale)
        self._record(version, chunks)
        report.points = self.index.count()
        report.seconds = time.perf_counter() - started
        logger.info(
            "rag index synced to menu %s: %d embedded, %d payload-only, %d deleted",
            version,
            report.embedded,
            report.payload_updated,
            report.deleted,
        )
        return self._published(report)

    def update_items(self, item_ids: Iterable[int]) -> SyncReport:
        """Re-embed the given menu items if their text changed; drop the ones the backend deleted."""
        started = time.perf_counter()
        report = SyncReport("updated")
        chunks: list[Chunk] = []
        gone: list[str] = []
        for item_id in dict.fromkeys(int(i) for i in item_ids):  # de-duplicated, order kept
            item = self.source.item(item_id)
            if item is None:
                gone.append(point_id("menu_item", str(item_id)))
            else:
                chunks.append(item_to_chunk(item))
        stored = self.index.hashes([chunk.id for chunk in chunks])
        self._apply(chunks, stored, report)
        existing = self.index.hashes(gone)
        self.index.delete(existing)
        report.deleted = len(existing)
        report.seconds = time.perf_counter() - started
        return self._published(report)
