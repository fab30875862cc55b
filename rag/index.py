"""The vector store: Qdrant embedded on disk by default, a Qdrant server when QDRANT_URL is set.

Embedded Qdrant lets one process at a time open a storage folder. In the running product one
action server (RAG_INDEX_ROLE=writer) owns it and publishes read-only snapshots that other action
servers (RAG_INDEX_ROLE=reader) search (rag/snapshots.py); use the CLI only while the writer is
stopped, or point everything at a Qdrant server with QDRANT_URL.
"""

from __future__ import annotations

import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from qdrant_client import QdrantClient, models

from rag.config import RagConfig
from rag.documents import Chunk
from rag.lexical import SPARSE_NAME, LexicalHit, LexicalMirror, document_vector

# Bumped when the collection layout changes; Indexer.ensure_current() rebuilds an index built with
# another one (2: adds the named sparse vector "lexical" for hybrid search).
SCHEMA_VERSION = 2

_META_ID = str(uuid.uuid5(uuid.NAMESPACE_URL, "rag/index-meta"))
_FILTER_FIELDS = {
    "kind": models.PayloadSchemaType.KEYWORD,
    "category": models.PayloadSchemaType.KEYWORD,
    "dietary_tags": models.PayloadSchemaType.KEYWORD,
    "allergens": models.PayloadSchemaType.KEYWORD,
    "available": models.PayloadSchemaType.BOOL,
    "price": models.PayloadSchemaType.FLOAT,
    "item_id": models.PayloadSchemaType.INTEGER,
}


class IndexLockedError(RuntimeError):
    """Another process holds the embedded Qdrant folder (normally the running action server)."""


def make_client(config: RagConfig) -> QdrantClient:
    if config.qdrant_url:
        return QdrantClient(url=config.qdrant_url, api_key=config.qdrant_api_key, timeout=10)
    Path(config.qdrant_path).mkdir(parents=True, exist_ok=True)
    try:
        return QdrantClient(path=config.qdrant_path)
    except RuntimeError as error:  # qdrant-client's message: "... already accessed by another instance ..."
        if "already accessed" in str(error):
            raise IndexLockedError(
                f"The Qdrant folder {config.qdrant_path} is in use by another process (the action server is "
                "its single writer). Stop it first, start further action servers with RAG_INDEX_ROLE=reader, "
                "or run against a Qdrant server with QDRANT_URL."
            ) from error
        raise


class VectorIndex:
    """One collection of chunks plus a tiny side collection holding what the index was built from."""

    def __init__(
        self, client: QdrantClient, collection: str, dimension: int, *, path: str | None = None
    ) -> None:
        self.client = client
        self.path = path  # the embedded store's folder (None on a Qdrant server)
        self.collection = collection
        self.meta_collection = f"{collection}__meta"
        self.dimension = dimension
        self._lock = threading.RLock()  # the embedded client is not meant for concurrent use
        self._mirror: LexicalMirror | None = None  # embedded store only; dropped by every write

    @classmethod
    def from_config(cls, config: RagConfig, dimension: int) -> VectorIndex:
        return cls(
            make_client(config),
            config.collection,
            dimension,
            path=config.qdrant_path if config.embedded else None,
        )

    def export(self, destination: Path) -> dict[str, Any]:
        """Copy the embedded store's files into the new folder `destination`, which then opens as a
        QDRANT_PATH of its own; returns the copy's meta and point count. Taken under the lock every
        write holds, and embedded Qdrant commits each write to SQLite before returning: the copy is
        one whole state, never a half-done write."""
        if self.path is None:
            raise RuntimeError("only an embedded index (QDRANT_PATH) can be exported")
        source = Path(self.path)
        with self._lock:
            summary = {"meta": self.meta(), "points": self.count() if self.exists() else 0}
            destination.mkdir(parents=True)
            shutil.copy2(source / "meta.json", destination / "meta.json")
            if (source / "collection").is_dir():
                shutil.copytree(source / "collection", destination / "collection")
        return summary

    def close(self) -> None:
        with self._lock:
            self.client.close()

    # -- collections -------------------------------------------------------------------------

    def exists(self) -> bool:
        with self._lock:
            return self.client.collection_exists(self.collection)

    def ensure(self) -> None:
        with self._lock:
            if not self.client.collection_exists(self.collection):
                self.client.create_collection(
                    self.collection,
                    vectors_config=models.VectorParams(size=self.dimension, distance=models.Distance.COSINE),
                    # always written (cheap), so RAG_HYBRID can be switched without a rebuild
                    sparse_vectors_config={
                        SPARSE_NAME: models.SparseVectorParams(modifier=models.Modifier.IDF)
                    },
                )
                if not self._is_local():  # payload indexes only mean something on a server
                    for name, schema in _FILTER_FIELDS.items():
                        self.client.create_payload_index(self.collection, name, field_schema=schema)
            if not self.client.collection_exists(self.meta_collection):
                self.client.create_collection(
                    self.meta_collection,
                    vectors_config=models.VectorParams(size=1, distance=models.Distance.DOT),
                )

    def reset(self) -> None:
        with self._lock:
            for name in (self.collection, self.meta_collection):
                if self.client.collection_exists(name):
                    self.client.delete_collection(name)
            self._mirror = None
            self.ensure()

    def _is_local(self) -> bool:
        return type(getattr(self.client, "_client", None)).__name__ == "QdrantLocal"

    # -- metadata ----------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        with self._lock:
            if not self.client.collection_exists(self.meta_collection):
                return {}
            found = self.client.retrieve(self.meta_collection, [_META_ID], with_payload=True)
            return dict(found[0].payload or {}) if found else {}

    def set_meta(self, **values: Any) -> None:
        with self._lock:
            meta = {**self.meta(), **values, "updated_at": time.time()}
            self.client.upsert(
                self.meta_collection, [models.PointStruct(id=_META_ID, vector=[1.0], payload=meta)], wait=True
            )

    # -- points ------------------------------------------------------------------------------

    def upsert(self, chunks: Sequence[Chunk], vectors: Sequence[Sequence[float]]) -> None:
        if not chunks:
            return
        points = [
            models.PointStruct(
                id=chunk.id,
                payload=chunk.payload(),
                vector={"": list(vector), SPARSE_NAME: document_vector(chunk.text)},
            )
            for chunk, vector in zip(chunks, vectors, strict=True)
        ]
        with self._lock:
            self._mirror = None
            self.client.upsert(self.collection, points, wait=True)

    def overwrite_payload(self, chunk: Chunk) -> None:
        with self._lock:
            self._mirror = None
            self.client.overwrite_payload(self.collection, chunk.payload(), points=[chunk.id], wait=True)

    def delete(self, ids: Iterable[str]) -> None:
        points: list[models.ExtendedPointId] = list(ids)
        if points:
            with self._lock:
                self._mirror = None
                self.client.delete(self.collection, models.PointIdsList(points=points), wait=True)

    def hashes(self, ids: Sequence[str] | None = None) -> dict[str, tuple[str, str]]:
        """point id -> (content_hash, payload_hash), for the given ids or for every point."""
        selector = models.PayloadSelectorInclude(include=["content_hash", "payload_hash"])
        out: dict[str, tuple[str, str]] = {}
        with self._lock:
            if ids is not None:
                records = (
                    self.client.retrieve(self.collection, list(ids), with_payload=selector) if ids else []
                )
            else:
                records, offset = [], None
                while True:
                    page, offset = self.client.scroll(
                        self.collection, limit=512, offset=offset, with_payload=selector
                    )
                    records.extend(page)
                    if offset is None:
                        break
        for record in records:
            payload = record.payload or {}
            out[str(record.id)] = (payload.get("content_hash", ""), payload.get("payload_hash", ""))
        return out

    def count(self) -> int:
        with self._lock:
            return self.client.count(self.collection, exact=True).count

    def payload(self, point_id: str) -> dict[str, Any] | None:
        with self._lock:
            found = self.client.retrieve(self.collection, [point_id], with_payload=True)
        return dict(found[0].payload or {}) if found else None

    def search(
        self, vector: Sequence[float], query_filter: models.Filter | None, limit: int
    ) -> list[models.ScoredPoint]:
        """Dense (cosine) top `limit`, with payloads."""
        with self._lock:
            return self.client.query_points(
                self.collection, query=list(vector), query_filter=query_filter, limit=limit, with_payload=True
            ).points

    def search_lexical(
        self,
        sparse: models.SparseVector,
        query_filter: models.Filter | None,
        limit: int,
        *,
        with_payload: bool = True,
        accepts: Callable[[dict[str, Any]], bool] | None = None,
    ) -> Sequence[models.ScoredPoint | LexicalHit]:
        """BM25 top `limit` (points sharing no word with the query are not returned). On a server, or
        without `accepts`, Qdrant answers under `query_filter`. On the embedded store, given `accepts`
        (the same filter as a predicate: SearchFilters.accepts), the in-memory LexicalMirror answers."""
        if not sparse.indices:
            return []
        with self._lock:
            if accepts is not None and self._is_local():
                if self._mirror is None:
                    self._mirror = LexicalMirror(self._all_records(with_vectors=[SPARSE_NAME]))
                return self._mirror.search(sparse, limit, accepts)
            return self.client.query_points(
                self.collection,
                query=sparse,
                using=SPARSE_NAME,
                query_filter=query_filter,
                limit=limit,
                with_payload=with_payload,
            ).points

    def load_lexical_mirror(self) -> None:
        """Build the embedded store's in-memory BM25 copy now rather than on the first hybrid search
        (a reader does this before it switches to a new snapshot)."""
        with self._lock:
            if self._is_local() and self._mirror is None and self.client.collection_exists(self.collection):
                self._mirror = LexicalMirror(self._all_records(with_vectors=[SPARSE_NAME]))

    def _all_records(self, **options: Any) -> list[models.Record]:
        records, offset = [], None
        while True:
            page, offset = self.client.scroll(
                self.collection, limit=512, offset=offset, with_payload=True, **options
            )
            records.extend(page)
            if offset is None:
                return records

    def points_with_vectors(self, ids: Sequence[models.ExtendedPointId]) -> list[models.Record]:
        """Payload and dense vector of the given points (hybrid search: BM25-only hits need their cosine)."""
        if not ids:
            return []
        with self._lock:
            return self.client.retrieve(self.collection, list(ids), with_payload=True, with_vectors=[""])
