"""What the guest stated about allergies and diets, read from the conversation's events as plain dicts
(Rasa's event JSON): the allergen codes the menu data knows, and words it does not."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from action_contract import CONSTRAINT_INTENTS
from vocabulary import ALLERGENS

# A guest's word → the allergen code the menu data uses for it (the 14 EU codes; "nuts" is what a
# guest means by "nuts": recommending.exclusions makes it cover peanuts as well as tree nuts).
ALLERGEN_WORDS: dict[str, str] = {word: allergen.code for allergen in ALLERGENS for word in allergen.said}
# Words after "allergic to" that end the allergy ("allergic to kiwi, what do you recommend").
_ALLERGY_STOP = {
    "what",
    "which",
    "can",
    "could",
    "would",
    "will",
    "do",
    "does",
    "is",
    "are",
    "so",
    "but",
    "please",
    "recommend",
    "suggest",
    "something",
    "anything",
    "any",
    "i",
    "im",
    "i'm",
    "we",
    "you",
    "me",
    "it",
    "that",
    "this",
    "for",
    "in",
    "with",
    "too",
    "also",
    "as",
    "well",
    "and",
    "or",
    "food",
    "foods",
    "stuff",
    "things",
    "a",
    "an",
    "the",
    "my",
    "some",
    "have",
    "has",
    "got",
    "severe",
    "serious",
    "bad",
    "mild",
    "slight",
    "allergy",
    "allergies",
    "all",
    "very",
    "really",
    "of",
    "to",
    "no",
    "not",
}
_ALLERGIC_TO = re.compile(r"\b(?:allergic|allergy|allergies|intolerant|intolerance)\s+(?:to|of)\s+([^.;!?]+)")
_NOUN_ALLERGY = re.compile(r"([a-z']+(?:\s+[a-z']+)?)\s+(?:allergy|allergies|intolerance|intolerant)\b")
_AVOIDING = re.compile(r"\b(?:without|no|free of|avoid|avoiding)\s+([^.;!?]+)")
_FREE = re.compile(r"\b([a-z']+(?:\s+[a-z']+)?)\s+free\b")


def _allergen_phrase(words: list[str]) -> tuple[str | None, str]:
    """The code of the allergen these words start with, else (None, the words naming it)."""
    while words and words[0] in {"a", "an", "the", "any", "all", "some"}:
        words = words[1:]
    for size in (3, 2, 1):
        if len(words) >= size and " ".join(words[:size]) in ALLERGEN_WORDS:
            return ALLERGEN_WORDS[" ".join(words[:size])], ""
    named: list[str] = []
    for word in words[:3]:
        if word in _ALLERGY_STOP:
            break
        named.append(word)
    return None, " ".join(named)


def allergies_in(text: str) -> tuple[set[str], list[str]]:
    """Allergies stated in the guest's own words: (allergen codes, words no code covers).

    "allergic to kiwi" and "a kiwi allergy" state an allergy to anything; "without", "no" and "-free"
    count only for the allergens the menu data knows ("no spicy food" is a taste, not an allergy).
    """
    text = " ".join(re.sub(r"[-–]", " ", text.lower()).split())
    codes: set[str] = set()
    unchecked: list[str] = []
    for match in _ALLERGIC_TO.finditer(text):
        for piece in re.split(r",|\band\b|\bor\b|/", match.group(1)):
            code, named = _allergen_phrase(piece.split())
            if code:
                codes.add(code)
            elif named and named not in unchecked:
                unchecked.append(named)
    for match in _NOUN_ALLERGY.finditer(text):
        words = match.group(1).split()
        code, _ = _allergen_phrase(words[-2:]) if len(words) == 2 else (None, "")
        code = code or _allergen_phrase(words[-1:])[0]
        if code:
            codes.add(code)
        elif words[-1] not in _ALLERGY_STOP and words[-1] not in unchecked:
            unchecked.append(words[-1])
    for pattern in (_AVOIDING, _FREE):
        for match in pattern.finditer(text):
            words = match.group(1).split()
            code = (
                _allergen_phrase(words)[0]
                if pattern is _AVOIDING
                else (ALLERGEN_WORDS.get(" ".join(words)) or ALLERGEN_WORDS.get(words[-1]))
            )
            if code:
                codes.add(code)
    return codes, unchecked


def _stated(events: Iterable[dict[str, Any]]) -> tuple[set[str], set[str], list[str]]:
    dietary: set[str] = set()
    allergens: set[str] = set()
    unchecked: list[str] = []
    for event in events:
        if event.get("event") != "user":
            continue
        parse = event.get("parse_data") or {}
        if (parse.get("intent") or {}).get("name") not in CONSTRAINT_INTENTS:
            continue
        codes, words = allergies_in(str(event.get("text") or parse.get("text") or ""))
        allergens |= codes
        unchecked += [word for word in words if word not in unchecked]
        for entity in parse.get("entities") or []:
            if entity.get("entity") == "dietary":
                dietary.add(str(entity.get("value")))
            elif entity.get("entity") == "allergen":
                value = " ".join(str(entity.get("value") or "").replace("_", " ").lower().split())
                code = (
                    value.replace(" ", "_")
                    if value.replace(" ", "_") in ALLERGEN_WORDS.values()
                    else ALLERGEN_WORDS.get(value)
                )
                if code:
                    allergens.add(code)
                elif re.fullmatch(r"[a-z][a-z' ]{0,29}", value) and value not in unchecked:
                    unchecked.append(value)
    return dietary, allergens, unchecked


def stated_constraints(events: Iterable[dict[str, Any]]) -> tuple[list[str], list[str]]:
    """Dietary needs and excluded allergen codes the guest stated anywhere in this conversation.

    A question about an allergen ("does the pad thai have peanuts?") is not a statement and is not
    collected; a statement once made stays a hard filter for the rest of the conversation. Only the
    backend's allergen codes are returned: see unchecked_allergies for the rest.
    """
    dietary, allergens, _ = _stated(events)
    return sorted(dietary), sorted(allergens)


def unchecked_allergies(events: Iterable[dict[str, Any]]) -> list[str]:
    """Allergies the guest stated that no allergen code of the menu covers ("kiwi", "strawberries"):
    the assistant cannot check dishes for them and must say so."""
    return _stated(events)[2]
