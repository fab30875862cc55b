"""Where a text names a dish of the menu, and which names are listed together."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any, cast

from llm.guard.facts import DishFacts
from llm.guard.sentences import fold

_DISH_GROUP_GAP = re.compile(
    r"^(?:[\s,/&]|\band\b|\bor\b|\bnor\b|\bthe\b|\bboth\b|\beither\b|\bneither\b|"
    r"\bplus\b|\bour\b)*$"
)


_TYPE_NOUNS = {
    "pizza",
    "curry",
    "bowl",
    "soup",
    "burger",
    "sandwich",
    "wrap",
    "plate",
    "platter",
    "roll",
    "salad",
    "tacos",
    "noodles",
    "bun",
    "cake",
    "sundae",
}


def _name_words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+|&", fold(name))


def _name_pattern(words: list[str]) -> str:
    parts = ["(?:and|&)" if word in {"and", "&"} else re.escape(word) for word in words]
    return r"(?<![\w])" + r"[\s-]+".join(parts) + r"(?:'s|s'|es|s)?(?![\w])"


class _DishMatcher:
    """Finds dish names in folded text: longest first, case-insensitive, plural/possessive tolerated."""

    def __init__(self, names: tuple[str, ...]) -> None:
        aliases: dict[tuple[str, ...], set[str]] = {}
        for name in names:
            words = _name_words(name)
            if words:
                aliases.setdefault(tuple(words), set()).add(name)
        full = set(aliases)
        short: dict[tuple[str, ...], set[str]] = {}
        for name in names:  # "Margherita" for Margherita Pizza, "Chicken Katsu" for Chicken Katsu Curry
            words = _name_words(name)
            if len(words) >= 2 and words[-1] in _TYPE_NOUNS:
                rest = tuple(words[:-1])
                if len(rest) >= 2 or words[-1] == "pizza":
                    short.setdefault(rest, set()).add(name)
        for rest, owners in short.items():
            if len(owners) == 1 and rest not in full:
                aliases[rest] = owners
        ordered = sorted(aliases, key=lambda words: len(" ".join(words)), reverse=True)
        self._names = [sorted(aliases[words])[0] for words in ordered]
        self._regex = (
            re.compile(
                "|".join(f"(?P<d{index}>{_name_pattern(list(words))})" for index, words in enumerate(ordered))
            )
            if ordered
            else None
        )

    def find(self, folded: str) -> list[tuple[int, int, str]]:
        if self._regex is None:
            return []
        # every alternative of the regex is a named group d<index>, so a match always has a lastgroup
        return [
            (match.start(), match.end(), self._names[int(cast(str, match.lastgroup)[1:])])
            for match in self._regex.finditer(folded)
        ]


@lru_cache(maxsize=64)
def dish_matcher(names: tuple[str, ...]) -> _DishMatcher:
    return _DishMatcher(names)


def mask_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "#" * (end - start)
    return "".join(chars)


def dish_groups(
    hits: list[tuple[int, int, DishFacts]], masked: str
) -> list[tuple[int, int, tuple[DishFacts, ...]]]:
    """Dish names listed together ("the Pad Thai and the Margherita") form one group."""
    groups: list[list[Any]] = []
    for start, end, dish in hits:
        if groups and _DISH_GROUP_GAP.match(masked[groups[-1][1] : start]):
            groups[-1][1] = end
            if dish not in groups[-1][2]:
                groups[-1][2].append(dish)
        else:
            groups.append([start, end, [dish]])
    return [(start, end, tuple(dishes)) for start, end, dishes in groups]
