"""Retrieval quality on the labelled guest questions in tests/data/retrieval_questions.yml:
recall@5 and MRR (reciprocal rank of the first expected key, 0 when none is in the top 5), overall,
per group (menu / policy / faq / service) and per style subset (typo / indirect / plain, see SUBSETS),
for dense search and hybrid (dense + BM25, rank-fused) search side by side, plus every miss of each.

Starts its own throwaway backend (demo restaurant, temp SQLite) and embedded Qdrant in a temp folder,
with the real MiniLM model, like bench/retrieval.py. Prints figures only; it never fails on quality.
Run: .venv/bin/python -m bench.retrieval_quality [--lexical-weights 1.0,0.5]   (product target: recall@5 >= 0.9)
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent

QUESTIONS_FILE = ROOT / "tests" / "data" / "retrieval_questions.yml"
TOP_K = 5
GROUPS = ("menu", "policy", "faq", "service")

# Style subsets, a check that a choice between dense and hybrid is not carried by one kind of question.
# Picked by reading the questions only (before any hybrid figures existed); a question in neither is "plain".
SUBSETS = {
    "typo": {  # misspelt or chat-speak
        "got any soup thats vegan?",
        "whats that thai coconut soup called",
        "do u have ramen",
        "somthing with chiken and rice",
        "chocolate desert",
        "mac n cheese",
        "what time do u close on fridays",
        "is there wheelchair acces",
        "i ordered by mistake, can i cancel??",
        "whats your address",
        "how do i know whats in the food",
        "can I use my giftcard for an online order",
        "can i get a beer",
        "can i come and collect it myself",
    },
    "indirect": {  # describe the need without naming the dish or the document
        "something warm, I'm not eating meat",
        "I feel a bit sick, something gentle like rice porridge",
        "classic british chippy food",
        "a burger but no meat",
        "raw fish in a bowl, like hawaiian",
        "sushi but big, like a wrap",
        "something to share with friends over beers",
        "something sweet without dairy",
        "something cold to drink, no alcohol",
        "glass of red",
        "raw beef thin slices",
        "little pancakes",
        "something really spicy",
        "typical dutch snack",
        "why is my delivery taking so long on a saturday night",
        "I live outside amsterdam centre, can I still get food?",
        "my fries were missing from the bag, I want my money back",
        "it's been 20 minutes, can I still cancel my order",
        "we are 12 people, can we come for dinner",
        "my grandma can't read small print",
        "is it safe to type my credit card number here",
        "is it cheaper in the restaurant than online",
        "I want to speak to a human",
        "looking for a birthday present for a foodie friend",
        "we want to rent the place for a birthday party",
        "open on kings day / public holidays?",
    },
}


def subset_of(question: str) -> str:
    return next((name for name, members in SUBSETS.items() if question in members), "plain")


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

    def by_subset(self) -> dict[str, tuple[int, float, float]]:
        subsets: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            subsets[subset_of(outcome.question)].append(outcome)
        order = (*SUBSETS, "plain")
        return {
            name: (len(subsets[name]), self._recall(subsets[name]), self._mrr(subsets[name]))
            for name in order
            if subsets[name]
        }

    def by_group(self) -> dict[str, tuple[int, float, float]]:
        groups: dict[str, list[Outcome]] = defaultdict(list)
        for outcome in self.outcomes:
            groups[outcome.group].append(outcome)
        return {
            name: (len(items), self._recall(items), self._mrr(items))
            for name, items in sorted(groups.items(), key=lambda kv: (GROUPS + (kv[0],)).index(kv[0]))
        }

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
    lines = [
        f"questions: {len(figures.outcomes)}",
        f"overall: recall@{TOP_K} {figures.recall:.3f}  MRR {figures.mrr:.3f}",
    ]
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


def side_by_side(columns: dict[str, Figures]) -> str:
    """One row per slice (overall, each group, each style subset), recall@k and MRR per column."""
    names = list(columns)
    first = columns[names[0]]
    rows: list[tuple[str, int, list[tuple[float, float]]]] = [
        ("overall", len(first.outcomes), [(f.recall, f.mrr) for f in columns.values()])
    ]
    for attr, prefix in (("by_group", "group"), ("by_subset", "style")):
        slices = [getattr(f, attr)() for f in columns.values()]
        for key, (count, _, _) in slices[0].items():
            rows.append((f"{prefix} {key}", count, [(s[key][1], s[key][2]) for s in slices]))
    width = max(len(name) for name in names) + 1
    header = f"{'slice':<16}{'n':>4}  " + "  ".join(f"{name:>{max(width, 15)}}" for name in names)
    sub = f"{'':<16}{'':>4}  " + "  ".join(f"{f'R@{TOP_K}   MRR':>{max(width, 15)}}" for _ in names)
    lines = [header, sub]
    for label, count, values in rows:
        lines.append(
            f"{label:<16}{count:>4}  "
            + "  ".join(f"{f'{recall:.3f}  {mrr:.3f}':>{max(width, 15)}}" for recall, mrr in values)
        )
    return "\n".join(lines)


def paired(base: Figures, other: Figures, *, resamples: int = 10000, seed: int = 7) -> str:
    """Question by question against the base column: how many rank better / worse, and a bootstrap 95%
    interval of the MRR difference (resampling questions), so a difference can be told from noise."""
    import random

    diffs = [
        (1 / o.rank if o.hit else 0.0) - (1 / b.rank if b.hit else 0.0)
        for b, o in zip(base.outcomes, other.outcomes, strict=True)
    ]
    better, worse = sum(d > 0 for d in diffs), sum(d < 0 for d in diffs)
    rng = random.Random(seed)
    means = sorted(sum(rng.choice(diffs) for _ in diffs) / len(diffs) for _ in range(resamples))
    low, high = means[int(0.025 * resamples)], means[int(0.975 * resamples)]
    gained = sum(o.hit and not b.hit for b, o in zip(base.outcomes, other.outcomes, strict=False))
    lost = sum(b.hit and not o.hit for b, o in zip(base.outcomes, other.outcomes, strict=False))
    worse_on = [
        f"{o.question!r} {b.rank or '-'}->{o.rank or '-'}"
        for b, o, d in zip(base.outcomes, other.outcomes, diffs, strict=False)
        if d < 0
    ]
    return (
        f"better rank on {better}, worse on {worse} ({'; '.join(worse_on) or 'none'}), "
        f"same on {len(diffs) - better - worse}; "
        f"top-{TOP_K} hits gained {gained}, lost {lost}; "
        f"MRR difference {sum(diffs) / len(diffs):+.3f} (95% bootstrap interval {low:+.3f} .. {high:+.3f})"
    )


def unknown(questions: list[dict[str, Any]], keys: set[str]) -> dict[str, list[str]]:
    return {
        q["q"]: [k for k in q["expected"] if k not in keys]
        for q in questions
        if any(k not in keys for k in q["expected"])
    }


def main() -> None:
    import argparse

    from rag.config import RagConfig
    from rag.embedder import Embedder
    from rag.retriever import Retriever
    from rag.sync import Indexer
    from tests.rag.helpers import SERVICE_TOKEN, running_backend

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lexical-weights",
        default="1.0",
        help="comma-separated BM25 weights in the rank fusion, one hybrid column each",
    )
    parser.add_argument("--misses", action="store_true", help="list every miss of every column")
    args = parser.parse_args()
    weights = [float(w) for w in args.lexical_weights.split(",") if w.strip()]
    questions = load_questions()
    with tempfile.TemporaryDirectory() as tmp, running_backend(Path(tmp)) as backend:
        config = RagConfig(backend_url=backend.url, backend_token=SERVICE_TOKEN, qdrant_path=f"{tmp}/qdrant")
        embedder = Embedder(config.model_path)
        indexer = Indexer.from_config(config, embedder=embedder)
        built = indexer.rebuild(progress=False)
        print(f"index: {built.points} points from menu {built.menu_version}")
        columns = {
            "dense": evaluate(
                Retriever(config, embedder=embedder, index=indexer.index, hybrid=False), questions
            )
        }
        for weight in weights:
            hybrid = Retriever(
                config.model_copy(update={"hybrid_lexical_weight": weight}),
                embedder=embedder,
                index=indexer.index,
                hybrid=True,
            )
            columns[f"hybrid w={weight:g}"] = evaluate(hybrid, questions)
        print(side_by_side(columns))
        for name, figures in list(columns.items())[1:]:
            print(f"{name} vs dense: {paired(columns['dense'], figures)}")
            for subset in (*SUBSETS, "plain"):
                pick = [n for n, o in enumerate(figures.outcomes) if subset_of(o.question) == subset]
                print(
                    f"  style {subset}: "
                    + paired(
                        Figures([columns["dense"].outcomes[n] for n in pick]),
                        Figures([figures.outcomes[n] for n in pick]),
                    )
                )
        labels = unknown(questions, index_keys(indexer.index))
        for name, figures in columns.items():
            print(f"\n== {name}")
            text = report(figures, unknown_labels=labels)
            print(
                text
                if args.misses or name == "dense"
                else text.split("misses")[0]
                + f"misses ({len(figures.misses)}): "
                + "; ".join(repr(m.question) for m in figures.misses)
            )
        indexer.index.close()
        indexer.source.close()


if __name__ == "__main__":
    main()
