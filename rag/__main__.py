"""CLI: `python -m rag rebuild | sync | stats [--json] | search "QUESTION" [--top-k N]
[--exclude-allergens a,b] [--dietary vegan] [--kind menu_item] [--available] [--json]`.

Embedded Qdrant (QDRANT_PATH) admits one process at a time and the writer action server holds it:
use `rebuild` and `sync` while it is stopped (they publish a snapshot for readers, as it does), or
against a Qdrant server (QDRANT_URL). `search` works beside a running action server: it reads the
newest snapshot the server published (or a copy of the folder), as RAG_INDEX_ROLE=reader does.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from rag.config import RagConfig
from rag.index import IndexLockedError
from rag.snapshot_reader import IndexNotPublished


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rag", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rebuild", help="rebuild the whole index from the backend menu and rag/docs")
    sub.add_parser("sync", help="bring the index up to date (only what changed is re-embedded)")
    stats = sub.add_parser("stats", help="point counts (total and per kind) and the menu version indexed")
    stats.add_argument("--json", action="store_true", help="print the figures as JSON")
    search = sub.add_parser("search", help="search the index")
    search.add_argument("query")
    search.add_argument("--top-k", type=int, default=5)
    search.add_argument(
        "--exclude-allergens", default="", help="comma separated allergen codes, e.g. peanuts,milk"
    )
    search.add_argument(
        "--dietary", default="", help="comma separated tags, all required, e.g. vegan,gluten_free"
    )
    search.add_argument(
        "--kind", default="", help="comma separated kinds: menu_item,policy,faq,service,dialogue"
    )
    search.add_argument("--category", default=None)
    search.add_argument("--available", action="store_true", help="only items that can be ordered now")
    search.add_argument("--json", action="store_true", help="print results as JSON")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    config = RagConfig.from_env()

    from rag.retriever import SearchFilters, parse_list
    from rag.sync import Indexer

    try:
        if args.command in ("rebuild", "sync"):
            indexer = Indexer.from_config(config)
            report = indexer.rebuild() if args.command == "rebuild" else indexer.ensure_current(progress=True)
            print(
                f"{report.action}: {report.points} points (embedded {report.embedded}, payload-only "
                f"{report.payload_updated}, deleted {report.deleted}) from menu {report.menu_version} "
                f"in {report.seconds:.1f}s"
                + (f"; published snapshot {report.published}" if report.published else "")
            )
            return 0
        if args.command == "stats":
            return _stats(config, as_json=args.json)
        filters = SearchFilters(
            dietary=parse_list(args.dietary),
            exclude_allergens=parse_list(args.exclude_allergens),
            available_only=args.available,
            kinds=parse_list(args.kind),
            category=args.category,
        )
        from rag.embedder import Embedder

        # one query per process: tracing the encoder (RAG_QUERY_JIT) would cost more than it saves
        from rag.reading import open_retriever

        results = open_retriever(config, embedder=Embedder(config.model_path, jit=False)).search(
            args.query, top_k=args.top_k, filters=filters
        )
    except IndexLockedError as error:
        print(error, file=sys.stderr)
        return 2
    except IndexNotPublished as error:
        print(error, file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([result.to_dict() for result in results], ensure_ascii=False, indent=2))
    else:
        for n, result in enumerate(results, 1):
            print(f"{n}. [{result.kind}] {result.title}  ({result.score:.3f})")
            print("   " + result.text.replace("\n", "\n   "))
    return 0


def _stats(config: RagConfig, *, as_json: bool) -> int:
    """Counts read straight from the index (no model is loaded, the backend is not contacted)."""
    from qdrant_client import models

    from rag.documents import KINDS
    from rag.index import make_client

    client = make_client(config)
    try:
        if not client.collection_exists(config.collection):
            print(
                f"no index: collection {config.collection!r} does not exist (run `python -m rag rebuild`)",
                file=sys.stderr,
            )
            return 1
        total = client.count(config.collection, exact=True).count
        per_kind = {}
        for kind in KINDS:
            kind_filter = models.Filter(
                must=[models.FieldCondition(key="kind", match=models.MatchValue(value=kind))]
            )
            per_kind[kind] = client.count(config.collection, count_filter=kind_filter, exact=True).count
        meta: dict[str, Any] = {}
        meta_collection = f"{config.collection}__meta"
        if client.collection_exists(meta_collection):
            records, _ = client.scroll(meta_collection, limit=1, with_payload=True)
            meta = dict(records[0].payload or {}) if records else {}
    finally:
        client.close()
    figures = {
        "collection": config.collection,
        "total": total,
        "per_kind": per_kind,
        "menu_version": meta.get("menu_version"),
        "model_id": meta.get("model_id"),
    }
    if as_json:
        print(json.dumps(figures, ensure_ascii=False, indent=2))
    else:
        print(f"collection {figures['collection']}: {total} points")
        for kind, count in per_kind.items():
            print(f"  {kind}: {count}")
        print(f"menu version: {figures['menu_version']}")
        print(f"model: {figures['model_id']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
