"""Retrieval figures: rebuild time, search latency p50/p95 over ~200 queries, menu change -> searchable.

Starts its own throwaway backend (demo restaurant, temp SQLite) and embedded Qdrant in a temp
folder, with the real MiniLM model. Prints figures only; it never fails on time.
Search latency is measured for dense and for hybrid (RAG_HYBRID) search, with the encoder settings in
force (RAG_TORCH_THREADS, RAG_QUERY_JIT: set them in the environment to compare).
Run: .venv/bin/python -m bench.retrieval   (targets: retrieval p50 <= 15 ms, change -> searchable <= 2 s)
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from rag.config import RagConfig
from rag.embedder import Embedder
from rag.retriever import Retriever, SearchFilters
from rag.sync import Indexer
from tests.rag.helpers import SERVICE_TOKEN, running_backend

QUESTIONS = [
    "do you have vegan soup",
    "can I bring my dog",
    "is the restaurant wheelchair accessible",
    "gift cards",
    "something spicy with chicken",
    "what desserts have no gluten",
    "peanut noodles",
    "how much is delivery",
    "can I cancel my order",
    "do you take american express",
    "a cozy dish for a rainy day",
    "halal options",
    "fish dishes",
    "what's good for a celebration",
    "do you do catering",
    "opening hours on sunday",
    "kids friendly food",
    "light lunch",
    "private party for 12 people",
    "refund for a missing dish",
]
FILTERS = [
    SearchFilters(),
    SearchFilters(exclude_allergens=("peanuts", "milk")),
    SearchFilters(dietary=("vegan",)),
    SearchFilters(kinds=("menu_item",), available_only=True),
]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, running_backend(Path(tmp)) as backend:
        config = RagConfig(backend_url=backend.url, backend_token=SERVICE_TOKEN, qdrant_path=f"{tmp}/qdrant")
        embedder = Embedder(config.model_path)
        started = time.perf_counter()
        embedder.load()
        load_s = time.perf_counter() - started
        indexer = Indexer.from_config(config, embedder=embedder)
        report = indexer.rebuild(progress=False)
        retriever = Retriever(config, embedder=embedder, index=indexer.index)
        print(f"model load (import + weights): {load_s:.2f} s")
        print(
            f"rebuild: {report.points} points ({len(backend.items())} menu items + docs) in {report.seconds:.2f} s"
        )
        import torch

        t0 = time.perf_counter()
        embedder.warm_up()
        print(
            f"query encoder: {embedder.query_path} path, torch threads {torch.get_num_threads()}, "
            f"first query (builds the path) {(time.perf_counter() - t0) * 1000:.0f} ms"
        )

        for mode in ("dense", "hybrid"):
            searcher = Retriever(config, embedder=embedder, index=indexer.index, hybrid=mode == "hybrid")
            cold, warm = [], []
            for n in range(
                200
            ):  # 200 distinct queries (cold: embedding + search), then repeats (cached embedding)
                query = f"{QUESTIONS[n % len(QUESTIONS)]}{'' if n < len(QUESTIONS) else f' #{n}'} {mode}"
                t0 = time.perf_counter()
                searcher.search(query, top_k=5, filters=FILTERS[n % len(FILTERS)])
                cold.append((time.perf_counter() - t0) * 1000)
            for n in range(200):
                t0 = time.perf_counter()
                searcher.search(
                    f"{QUESTIONS[n % len(QUESTIONS)]} {mode}", top_k=5, filters=FILTERS[n % len(FILTERS)]
                )
                warm.append((time.perf_counter() - t0) * 1000)
            print(
                f"{mode} search, new query (embed + filtered top-5), n=200: p50 {statistics.median(cold):.1f} ms, "
                f"p95 {pct(cold, 0.95):.1f} ms"
            )
            print(
                f"{mode} search, cached query embedding, n=200: p50 {statistics.median(warm):.1f} ms, "
                f"p95 {pct(warm, 0.95):.1f} ms"
            )

        embed_ms, qdrant_ms = [], []
        for n in range(200):
            t0 = time.perf_counter()
            vector = embedder.embed_query(f"breakdown {QUESTIONS[n % len(QUESTIONS)]} {n}")
            t1 = time.perf_counter()
            indexer.index.search(vector, FILTERS[n % len(FILTERS)].to_qdrant(), 5)
            embed_ms.append((t1 - t0) * 1000)
            qdrant_ms.append((time.perf_counter() - t1) * 1000)
        print(
            f"  of which query embedding p50 {statistics.median(embed_ms):.1f} ms, "
            f"embedded-Qdrant filtered top-5 p50 {statistics.median(qdrant_ms):.1f} ms"
        )

        async def concurrent() -> float:
            t0 = time.perf_counter()
            await asyncio.gather(*(retriever.asearch(f"{q} please", top_k=5) for q in QUESTIONS))
            return time.perf_counter() - t0

        print(
            f"asearch, {len(QUESTIONS)} concurrent new queries: {asyncio.run(concurrent()) * 1000:.0f} ms total"
        )

        item = backend.item_by_slug("poffertjes")
        timings = []
        for n in range(3):
            backend.update_item("poffertjes", description=f"Mini pancakes with saffron sugar, batch {n}.")
            t0 = time.perf_counter()
            indexer.update_items([item["id"]])
            hit = retriever.search(f"saffron sugar pancakes batch {n}", top_k=1)[0]
            timings.append(time.perf_counter() - t0)
            assert hit.item_id == item["id"]
        print(
            f"menu change -> searchable (update_items + search, after the DB write): "
            f"median {statistics.median(timings) * 1000:.0f} ms, max {max(timings) * 1000:.0f} ms"
        )
        t0 = time.perf_counter()
        sync = indexer.ensure_current()
        print(
            f"ensure_current after those changes: {sync.action}, {sync.embedded} embedded, "
            f"{(time.perf_counter() - t0) * 1000:.0f} ms"
        )
        t0 = time.perf_counter()
        sync = indexer.ensure_current()
        print(f"ensure_current when current: {sync.action}, {(time.perf_counter() - t0) * 1000:.0f} ms")
        indexer.index.close()


if __name__ == "__main__":
    main()
