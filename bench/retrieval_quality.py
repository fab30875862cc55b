"""Retrieval quality on the labelled guest questions in tests/data/retrieval_questions.yml:
recall@5 and MRR (reciprocal rank of the first expected key, 0 when none is in the top 5), overall
and per group (menu / policy / faq / service), plus every miss.

Starts its own throwaway backend (demo restaurant, temp SQLite) and embedded Qdrant in a temp folder,
with the real MiniLM model, like bench/retrieval.py. Prints figures only; it never fails on quality.
Run: .venv/bin/python bench/retrieval_quality.py   (product target: recall@5 >= 0.9)
"""
from __future__ import annotations

import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS_FILE = ROOT / "tests" / "data" / "retrieval_questions.yml"
TOP_K = 5
GROUPS = ("menu", "policy", "faq", "service")


def load_questions(path: Path = QUESTIONS_FILE) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]


def point_key(payload: dict[str, Any]) -> str:
    """The label key of a point: the dish slug for menu items, the document source key otherwise."""
    if payload.get("kind") == "menu_item":
        return str(payload.get("slug"))
    return str(payload.get("source_key"))


def index_keys(index: Any) -> set[str]:
    """Every label key present in the index (for spotting labels that name nothing)."""
    keys: set[str] = set()
    offset = None
    while True:
        page, offset = index.client.scroll(index.collection, limit=512, offset=offset, with_payload=True)
        keys.update(point_key(record.payload or {}) for record in page)
        if offset is None:
            return keys


@dataclass
class Outcome:
    question: str
    group: str
    expected: list[str]
    got: list[str]
    rank: int  # 1-based rank of the first expected key in the top k, 0 if none

    @property
    def hit(self) -> bool:
        return self.rank > 0


@dataclass
class Figures:
    outcomes: list[Outcome] = field(default_factory=list)

    @staticmethod
    def _recall(outcomes: list[Outcome]) -> float:
        return sum(o.hit for o in outcomes) / len(outcomes) if outcomes else 0.0

    @staticmethod
    def _mrr(outcomes: list[Outcome]) -> float:
        return sum(1 / o.rank for o in outcomes if o.hit) / len(outcomes) if outcomes else 0.0

    @property
    def recall(self) -> float:
        return self._recall(self.outcomes)

    @property
    def mrr(self) -> float:
        return self._mrr(self.outcomes)

    def by_group(self) -> dict[str, tuple[int, float, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[outcome.group].append(outcome)
        return {name: (len(items), self._recall(items), self._mrr(items))
                for name, items in sorted(groups.items(), key=lambda kv: (GROUPS + (kv[0],)).index(kv[0]))}

    @property
    def misses(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.hit]


def evaluate(retriever: Any, questions: list[dict[str, Any]], *, top_k: int = TOP_K) -> Figures:
    figures = Figures()
    for question in questions:
        results = retriever.search(question["q"], top_k=top_k)
        got = [point_key(result.payload) for result in results]
        expected = list(question["expected"])
        rank = next((n for n, key in enumerate(got, 1) if key in expected), 0)
        figures.outcomes.append(Outcome(question["q"], question["group"], expected, got, rank))
    return figures


def report(figures: Figures, *, unknown_labels: dict[str, list[str]] | None = None) -> str:
    lines = [f"questions: {len(figures.outcomes)}",
             f"overall: recall@{TOP_K} {figures.recall:.3f}  MRR {figures.mrr:.3f}"]
    for name, (count, recall, mrr) in figures.by_group().items():
        lines.append(f"  {name:<8} n={count:<3} recall@{TOP_K} {recall:.3f}  MRR {mrr:.3f}")
    if unknown_labels:
        lines.append("labels naming no point in the index:")
        lines += [f"  {q!r}: {keys}" for q, keys in unknown_labels.items()]
    lines.append(f"misses ({len(figures.misses)}):")
    for miss in figures.misses:
        lines.append(f"  [{miss.group}] {miss.question!r}")
        lines.append(f"      expected any of {miss.expected}")
        lines.append(f"      got {miss.got}")
    return "\n".join(lines)


def unknown(questions: list[dict[str, Any]], keys: set[str]) -> dict[str, list[str]]:
    return {q["q"]: [k for k in q["expected"] if k not in keys] for q in questions
            if any(k not in keys for k in q["expected"])}


def main() -> None:
    from rag.config import RagConfig
    from rag.embedder import Embedder
    from rag.retriever import Retriever
    from rag.sync import Indexer
    from tests.rag.helpers import SERVICE_TOKEN, running_backend

    questions = load_questions()
    with tempfile.TemporaryDirectory() as tmp, running_backend(Path(tmp)) as backend:
        config = RagConfig(backend_url=backend.url, backend_token=SERVICE_TOKEN, qdrant_path=f"{tmp}/qdrant")
        embedder = Embedder(config.model_path)
        indexer = Indexer.from_config(config, embedder=embedder)
        built = indexer.rebuild(progress=False)
        print(f"index: {built.points} points from menu {built.menu_version}")
        retriever = Retriever(config, embedder=embedder, index=indexer.index)
        figures = evaluate(retriever, questions)
        print(report(figures, unknown_labels=unknown(questions, index_keys(indexer.index))))
        indexer.index.close()
        indexer.source.close()


if __name__ == "__main__":
    main()
