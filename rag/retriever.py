"""Semantic search with hard filters (dietary needs, allergen exclusion, availability, kind)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, cast

from qdrant_client import models

from rag.config import RagConfig
from rag.embedder import Embedder, shared_embedder
from rag.index import VectorIndex
from rag.lexical import query_vector
from rag.snapshot_reader import SnapshotReader

RRF_K = 60  # reciprocal rank fusion constant (the usual one; not tuned on the evaluation set)


@dataclass(frozen=True)
class SearchFilters:
    """Hard filters: a point that fails one is never returned.

    dietary: every tag is required (so only menu items pass). exclude_allergens: an item listing any
    of them is dropped (documents carry no allergens and pass). available_only: drop sold-out or
    switched-off items (documents count as available). kinds: restrict to these kinds.
    """

    dietary: tuple[str, ...] = ()
    exclude_allergens: tuple[str, ...] = ()
    available_only: bool = False
    kinds: tuple[str, ...] = ()
    category: str | None = None

    def to_qdrant(self) -> models.Filter | None:
        must: list[Any] = [
            models.FieldCondition(key="dietary_tags", match=models.MatchValue(value=tag))
            for tag in self.dietary
        ]
        if self.available_only:
            must.append(models.FieldCondition(key="available", match=models.MatchValue(value=True)))
        if self.kinds:
            must.append(models.FieldCondition(key="kind", match=models.MatchAny(any=list(self.kinds))))
        if self.category:
            must.append(models.FieldCondition(key="category", match=models.MatchValue(value=self.category)))
        must_not: list[Any] = []
        if self.exclude_allergens:
            must_not.append(
                models.FieldCondition(
                    key="allergens", match=models.MatchAny(any=list(self.exclude_allergens))
                )
            )
        if not must and not must_not:
            return None
        return models.Filter(must=must or None, must_not=must_not or None)

    def accepts(self, payload: dict[str, Any]) -> bool:
        """The same rules in Python, applied again to every hit: a filter bug must not leak an allergen."""
        if any(tag not in (payload.get("dietary_tags") or []) for tag in self.dietary):
            return False
        if set(self.exclude_allergens) & set(payload.get("allergens") or []):
            return False
        if self.available_only and payload.get("available") is not True:
            return False
        if self.kinds and payload.get("kind") not in self.kinds:
            return False
        return not (self.category and payload.get("category") != self.category)


@dataclass
class Result:
    id: str
    kind: str
    title: str
    text: str
    score: float  # cosine similarity to the query, in hybrid mode too (callers threshold on it)
    item_id: int | None = None
    category: str | None = None
    price: float | None = None
    available: bool | None = None
    allergens: list[str] = field(default_factory=list)
    dietary_tags: list[str] = field(default_factory=list)
    payload: dict[str, Any] = field(default_factory=dict, repr=False)
    fused: float | None = None  # hybrid mode: the reciprocal-rank-fusion score the results are ordered by

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        out = {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "text": self.text,
            "score": round(self.score, 4),
            "item_id": self.item_id,
            "category": self.category,
            "price": self.price,
            "available": self.available,
            "allergens": self.allergens,
            "dietary_tags": self.dietary_tags,
        }
        if self.fused is not None:
            out["fused"] = round(self.fused, 6)
        if full:
            out["payload"] = self.payload
        return out


class Retriever:
    """Build one per process and share it. Embedder and index are injectable; by default they are
    created from the config on first use, not at construction.

    Where searches go: an injected `index`; else, for a reader on the embedded store
    (RAG_INDEX_ROLE=reader), the newest published snapshot (`snapshots`, rag/snapshot_reader.py);
    else the index the config names (QDRANT_PATH, opened by this process, or QDRANT_URL)."""

    def __init__(
        self,
        config: RagConfig | None = None,
        *,
        embedder: Embedder | None = None,
        index: VectorIndex | None = None,
        snapshots: SnapshotReader | None = None,
        hybrid: bool | None = None,
    ) -> None:
        self.config = config or RagConfig.from_env()
        self.hybrid = self.config.hybrid if hybrid is None else hybrid
        self._embedder = embedder
        self._index = index
        self._snapshots = snapshots
        self._lock = threading.Lock()

    @property
    def snapshots(self) -> SnapshotReader | None:
        """The snapshot reader searches go through (None when this process searches an index directly)."""
        if self._snapshots is None and self._index is None and self.config.reads_snapshots:
            with self._lock:
                if self._snapshots is None:
                    self._snapshots = SnapshotReader.from_config(
                        self.config, self.embedder.dimension, model_id=self.embedder.model_id
                    )
        return self._snapshots

    def _leased_index(self) -> AbstractContextManager[VectorIndex]:
        """The index one whole search uses (a reader may swap snapshots meanwhile: not under this search)."""
        snapshots = self.snapshots
        return snapshots.lease() if snapshots is not None else nullcontext(self.index)

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            self._embedder = shared_embedder(self.config.model_path)
        return self._embedder

    @property
    def index(self) -> VectorIndex:
        if (
            self._index is None and self.config.reads_snapshots
        ):  # opening QDRANT_PATH would take the writer's lock
            raise RuntimeError("RAG_INDEX_ROLE=reader searches published snapshots, not QDRANT_PATH itself")
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = VectorIndex.from_config(self.config, self.embedder.dimension)
        return self._index

    def search(self, query: str, *, top_k: int = 5, filters: SearchFilters | None = None) -> list[Result]:
        query = " ".join(query.split())[:1000]  # MiniLM reads ~256 word pieces anyway
        if not query or top_k <= 0:
            return []
        filters = filters or SearchFilters()
        query_filter = filters.to_qdrant()
        # (point, cosine similarity, reciprocal-rank-fusion score or None)
        scored: Sequence[tuple[models.ScoredPoint | models.Record, float, float | None]]
        with self._leased_index() as index:  # opened before the model loads: a locked folder fails fast
            if self.hybrid:
                scored = self._hybrid(index, query, query_filter, filters.accepts, top_k)
            else:
                vector = self.embedder.embed_query(query)
                scored = [(hit, float(hit.score), None) for hit in index.search(vector, query_filter, top_k)]
        results = []
        for hit, score, fused in scored:
            payload = dict(hit.payload or {})
            if not filters.accepts(payload):  # both sides, dense and lexical, pass through here
                continue
            results.append(
                Result(
                    id=str(hit.id),
                    kind=payload.get("kind", ""),
                    title=payload.get("title", ""),
                    text=payload.get("text", ""),
                    score=score,
                    item_id=payload.get("item_id"),
                    category=payload.get("category"),
                    price=payload.get("price"),
                    available=payload.get("available"),
                    allergens=list(payload.get("allergens") or []),
                    dietary_tags=list(payload.get("dietary_tags") or []),
                    payload=payload,
                    fused=fused,
                )
            )
        return results

    def _hybrid(
        self,
        index: VectorIndex,
        query: str,
        query_filter: models.Filter | None,
        accepts: Callable[[dict[str, Any]], bool],
        top_k: int,
    ) -> list[tuple[models.ScoredPoint | models.Record, float, float]]:
        """Dense and BM25 candidates under the same Qdrant filter, fused by weighted reciprocal rank.

        On the embedded store the BM25 side is answered from VectorIndex's in-memory mirror (see
        rag/lexical.py), with the filter as a predicate; on a server, by Qdrant. Each result keeps its
        cosine similarity as `score`; BM25-only hits that make the cut are fetched with their stored
        (normalised) dense vector for it."""
        pool = max(4 * top_k, 20)
        lexical = index.search_lexical(
            query_vector(query), query_filter, pool, with_payload=False, accepts=accepts
        )
        vector = self.embedder.embed_query(query)
        dense = index.search(vector, query_filter, pool)
        weight = self.config.hybrid_lexical_weight
        fused: dict[models.ExtendedPointId, float] = {}
        for rank, hit in enumerate(dense, 1):
            fused[hit.id] = fused.get(hit.id, 0.0) + 1.0 / (RRF_K + rank)
        for rank, lexical_hit in enumerate(lexical, 1):
            fused[lexical_hit.id] = fused.get(lexical_hit.id, 0.0) + weight / (RRF_K + rank)
        hits: dict[models.ExtendedPointId, tuple[models.ScoredPoint | models.Record, float]] = {
            hit.id: (hit, float(hit.score)) for hit in dense
        }
        order = sorted(fused, key=lambda key: (-fused[key], -hits.get(key, (None, -2.0))[1]))[:top_k]
        for record in index.points_with_vectors([key for key in order if key not in hits]):
            # the collection has one dense vector, unnamed (VectorIndex.ensure): a list of floats
            stored = cast(
                "list[float] | None",
                record.vector.get("") if isinstance(record.vector, dict) else record.vector,
            )
            hits[record.id] = (record, float(sum(a * b for a, b in zip(vector, stored or (), strict=False))))
        return [(hits[key][0], hits[key][1], fused[key]) for key in order if key in hits]

    async def asearch(
        self, query: str, *, top_k: int = 5, filters: SearchFilters | None = None
    ) -> list[Result]:
        """For async code (the action server): embedding and the Qdrant call run in a worker thread."""
        return await asyncio.to_thread(self.search, query, top_k=top_k, filters=filters)


def parse_list(value: str | Sequence[str] | None) -> tuple[str, ...]:
    """'peanuts, milk' or ['peanuts', 'milk'] -> ('peanuts', 'milk'), lower-cased."""
    if not value:
        return ()
    parts = value.split(",") if isinstance(value, str) else value
    return tuple(part.strip().lower() for part in parts if part and part.strip())
