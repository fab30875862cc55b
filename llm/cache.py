"""Answers to frequent questions, keyed by the normalised question and the menu version."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable
from typing import Generic, TypeVar

from cachetools import TTLCache

from llm import metrics

T = TypeVar("T")


def normalise_question(text: str) -> str:
    """Case, accents' composition, punctuation and spacing do not make a new question."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[^\w\s€$£%-]", " ", text)
    return " ".join(text.split())


class AnswerCache(Generic[T]):
    def __init__(self, *, ttl_seconds: float, max_entries: int) -> None:
        self._entries: TTLCache[Hashable, T] = TTLCache(maxsize=max_entries, ttl=ttl_seconds)
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(kind: str, question: str, menu_version: object) -> tuple[str, str, str]:
        return kind, normalise_question(question), str(menu_version)

    def get(self, key: Hashable) -> T | None:
        value = self._entries.get(key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        metrics.LLM_CACHE.labels("miss" if value is None else "hit").inc()
        return value

    def put(self, key: Hashable, value: T) -> None:
        self._entries[key] = value
