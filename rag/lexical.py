"""Lexical (BM25-style) side of hybrid search, stored as Qdrant sparse vectors; no model, no download.

A chunk's text becomes a sparse vector: one dimension per (lightly stemmed) word, keyed by a stable
hash, valued with BM25's saturated term frequency (k1, b, with a fixed average length so a single
item can be re-indexed on its own). The collection's sparse vector carries Qdrant's IDF modifier,
so Qdrant multiplies by the inverse document frequency at query time and the dot product with a
query vector (1.0 per query word) is the BM25 score. Because the sparse vector lives on the same
point as the dense one, the same Qdrant filter (dietary, allergens, availability, kind) applies to
both sides, on the embedded store and on a server alike.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from qdrant_client import models

SPARSE_NAME = "lexical"  # the sparse vector's name in the collection
K1 = 1.2
B = 0.75
AVG_TOKENS = 40.0  # about the mean chunk length here (menu items ~25 tokens, doc sections ~55)

_WORD = re.compile(r"[a-z0-9]+")
# Function words and chat filler that say nothing about which dish or document is meant.
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "did",
        "for",
        "from",
        "have",
        "has",
        "had",
        "how",
        "i",
        "i'm",
        "im",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "it's",
        "just",
        "me",
        "my",
        "no",
        "not",
        "of",
        "on",
        "or",
        "our",
        "so",
        "some",
        "something",
        "that",
        "thats",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "u",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "whats",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "without",
        "would",
        "you",
        "your",
        "yours",
        "any",
        "anything",
        "am",
        "get",
        "got",
        "want",
        "like",
        "please",
        "pls",
        "thanks",
        "hi",
        "hello",
        "there's",
        "theres",
    ]
)


def _fold(text: str) -> str:
    """Lower-case and strip accents (crème brûlée -> creme brulee)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def stem(word: str) -> str:
    """A deliberately small English stemmer: plurals and the commonest verb endings."""
    if len(word) <= 3 or word.isdigit():
        return word
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ches", "ch"), ("shes", "sh"), ("oes", "o")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            return word[: -len(suffix)] + repl
    if word.endswith("ing") and len(word) >= 6:
        return word[:-3]
    if word.endswith("ed") and len(word) >= 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tokenize(text: str) -> list[str]:
    return [stem(word) for word in _WORD.findall(_fold(text)) if word not in STOPWORDS]


def token_id(token: str) -> int:
    """Stable across processes and machines (unlike hash()): CRC-32 of the token."""
    return zlib.crc32(token.encode("utf-8"))


def document_vector(text: str) -> models.SparseVector:
    counts = Counter(tokenize(text))
    length = sum(counts.values())
    norm = K1 * (1 - B + B * length / AVG_TOKENS)
    weights: dict[int, float] = {}
    for token, tf in counts.items():  # a (vanishingly rare) CRC collision just adds up
        index = token_id(token)
        weights[index] = weights.get(index, 0.0) + tf * (K1 + 1) / (tf + norm)
    indices = sorted(weights)
    return models.SparseVector(indices=indices, values=[weights[i] for i in indices])


def query_vector(text: str) -> models.SparseVector:
    indices = sorted({token_id(token) for token in tokenize(text)})
    return models.SparseVector(indices=indices, values=[1.0] * len(indices))


def idf(document_frequency: int, documents: int) -> float:
    """Qdrant's IDF modifier, exactly: ln((N - df + 0.5) / (df + 0.5) + 1)."""
    return math.log((documents - document_frequency + 0.5) / (document_frequency + 0.5) + 1)


@dataclass
class LexicalHit:
    """Shaped like a Qdrant ScoredPoint where the retriever reads one."""

    id: Any
    score: float
    payload: dict[str, Any] | None = None
    vector: Any = None


class LexicalMirror:
    """An in-memory copy of the collection's sparse vectors, for the embedded store only.

    Embedded Qdrant scores sparse vectors (and evaluates filters) point by point in Python: about 5 ms
    per query on this collection, as much as the rest of a search. Embedded Qdrant also admits a single
    process, whose VectorIndex performs every write, so a copy that VectorIndex refreshes after each
    write cannot go stale (and a reader's snapshot is never written at all). It gives Qdrant's own
    scores (same vectors, same IDF formula; a test compares the two); its filter is the caller's
    predicate, SearchFilters.accepts, the rules Retriever applies to every result anyway. A Qdrant
    server does this in Rust; there the query goes to the server.
    """

    def __init__(self, records: Sequence[Any]) -> None:
        self.ids: list[Any] = []
        self.payloads: list[dict[str, Any]] = []
        self.postings: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for record in records:
            sparse = (record.vector or {}).get(SPARSE_NAME) if isinstance(record.vector, dict) else None
            if sparse is None:
                continue  # IDF, like Qdrant's, counts only points that have the sparse vector
            position = len(self.ids)
            self.ids.append(record.id)
            self.payloads.append(dict(record.payload or {}))
            for index, value in zip(sparse.indices, sparse.values, strict=False):
                self.postings[index].append((position, value))

    def search(
        self, sparse: models.SparseVector, limit: int, accepts: Callable[[dict[str, Any]], bool]
    ) -> list[LexicalHit]:
        scores: dict[int, float] = defaultdict(float)
        documents = len(self.ids)
        for index, weight in zip(sparse.indices, sparse.values, strict=False):
            postings = self.postings.get(index)
            if postings:
                factor = weight * idf(len(postings), documents)
                for position, value in postings:
                    scores[position] += factor * value
        hits: list[LexicalHit] = []
        for position in sorted(scores, key=lambda p: -scores[p]):
            if accepts(self.payloads[position]):
                hits.append(LexicalHit(self.ids[position], scores[position], dict(self.payloads[position])))
                if len(hits) == limit:
                    break
        return hits
