"""Turning what a guest typed into menu items, quantities and options: fuzzy, forgiving, pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process, utils

from actions.backend_client import ItemOption, MenuItem

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "single": 1,
    "two": 2,
    "couple": 2,
    "a couple": 2,
    "a couple of": 2,
    "pair": 2,
    "a pair of": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "half a dozen": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "a dozen": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "a hundred": 100,
    "thousand": 1000,
    "a thousand": 1000,
}


def parse_quantity(value: Any) -> int | None:
    """An integer from '2', 2.0, 'two', 'a couple'; None when it is not a whole number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value) if float(value).is_integer() else None
    text = str(value).strip().lower().rstrip(".!")
    text = (
        re.sub(r"\s+", " ", text.replace("x", "").strip()) if re.fullmatch(r"x?\s*\d+\s*x?", text) else text
    )
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if re.fullmatch(r"-?\d+\.\d+", text):
        number = float(text)
        return int(number) if number.is_integer() else None
    return NUMBER_WORDS.get(text)


def normalise(text: str) -> str:
    """Lower-case, strip punctuation and a plural 's' from each word ('Margheritas' → 'margherita')."""
    words = utils.default_process(text).split()
    return " ".join(_singular(word) for word in words)


def _singular(word: str) -> str:
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass
class DishMatch:
    """The outcome of looking up a dish name: one item, or suggestions to offer."""

    item: MenuItem | None
    suggestions: list[MenuItem] = field(default_factory=list)
    score: float = 0.0

    @property
    def found(self) -> bool:
        return self.item is not None


def match_dish(query: str, menu: Sequence[MenuItem], *, threshold: float = 80.0) -> DishMatch:
    """Find the dish a guest means, tolerating typos, plurals and partial names."""
    best, suggestions, score = match_name(query, [item.name for item in menu], threshold=threshold)
    return DishMatch(
        item=menu[best] if best is not None else None,
        suggestions=[menu[index] for index in suggestions],
        score=score,
    )


def match_name(
    query: str, candidates: Sequence[str], *, threshold: float = 80.0
) -> tuple[int | None, list[int], float]:
    """Index of the candidate a guest means (or None), up to three suggestions, and the best score.

    A clear winner above the threshold is a match. Two near-equal winners ("chicken") are not:
    the guest gets both as suggestions instead of us guessing.
    """
    wanted = normalise(query)
    if not wanted or not candidates:
        return None, [], 0.0
    choices = {index: normalise(name) for index, name in enumerate(candidates)}
    for index, name in choices.items():
        if name == wanted:
            return index, [index], 100.0
    ranked = process.extract(wanted, choices, scorer=_score, limit=4)
    _, best_score, best_index = ranked[0]
    suggestions = [index for _, score, index in ranked if score >= 50.0][:3]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if best_score >= threshold and best_score - runner_up >= 4.0:
        return best_index, suggestions, best_score
    return None, suggestions, best_score


def _score(query: str, choice: str, **kwargs: Any) -> float:
    """Whole-name similarity, with credit for naming a distinctive part ('katsu', 'margherita')."""
    whole = fuzz.ratio(query, choice)
    partial = fuzz.partial_ratio(query, choice) if len(query) >= 4 else 0.0
    words = max((fuzz.ratio(query, word) for word in choice.split()), default=0.0)
    token_set = fuzz.token_set_ratio(query, choice)
    return max(whole, 0.95 * token_set, 0.9 * partial, words if len(query) >= 4 else 0.0)


def match_option(
    requested: str, options: Iterable[ItemOption], *, threshold: float = 80.0
) -> ItemOption | None:
    """The item's option that the guest named ('large', 'xtra cheese'), or None."""
    wanted = normalise(requested)
    best: ItemOption | None = None
    best_score = 0.0
    for option in options:
        score = fuzz.WRatio(wanted, normalise(option.name))
        if score > best_score:
            best, best_score = option, score
    return best if best_score >= threshold else None


@dataclass
class RequestedLine:
    """One dish as the guest asked for it, before it is checked against the menu."""

    dish: str
    quantity: Any | None = None
    size: str | None = None
    extras: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"dish": self.dish, "quantity": self.quantity, "size": self.size, "extras": list(self.extras)}


def requested_lines(entities: Sequence[dict[str, Any]]) -> list[RequestedLine]:
    """Pair quantities, sizes and extras with dishes by position in the message.

    "two margheritas and a large coke with ice": a quantity or size belongs to the next dish
    (or the previous one when none follows); an extra belongs to the dish before it.
    """
    ordered = sorted(
        (entity for entity in entities if entity.get("entity") in {"dish", "quantity", "size", "option"}),
        key=lambda entity: entity.get("start", 0),
    )
    dish_positions = [index for index, entity in enumerate(ordered) if entity["entity"] == "dish"]
    lines = [RequestedLine(dish=str(ordered[index]["value"])) for index in dish_positions]
    if not lines:
        return []
    for index, entity in enumerate(ordered):
        kind = entity["entity"]
        if kind == "dish":
            continue
        following = [n for n, position in enumerate(dish_positions) if position > index]
        preceding = [n for n, position in enumerate(dish_positions) if position < index]
        if kind == "option":
            target = preceding[-1] if preceding else following[0]
            lines[target].extras.append(str(entity["value"]))
            continue
        target = following[0] if following else preceding[-1]
        line = lines[target]
        if kind == "quantity" and line.quantity is None:
            line.quantity = entity["value"]
        elif kind == "size" and line.size is None:
            line.size = str(entity["value"])
    return lines
