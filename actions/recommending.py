"""Mood recommendations: candidates from the backend and retrieval under hard dietary/allergen
filters; the LLM only picks among them and writes the reasons. Names and prices come from the
backend. Knows nothing of Rasa."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypedDict

import yaml
from pydantic import BaseModel, ValidationError

from actions.backend_client import BackendClient, MenuItem
from actions.llm_text import REFUSAL, fact_sheet, finish
from llm.client import LlmClient, LlmUnavailable
from llm.guard.personality import default_personality
from llm.prompting import Prompts
from vocabulary import ALLERGEN_CODES, NUT_CODES

if TYPE_CHECKING:
    from rag.retriever import Retriever

logger = logging.getLogger(__name__)

MOODS_FILE = Path(__file__).with_name("moods.yml")


class Mood(TypedDict, total=False):
    """One mood of moods.yml: where to look on the menu for it."""

    synonyms: list[str]
    categories: list[str]
    intro: str  # every mood has one
    max_spice_level: int


class Moods(TypedDict):
    """moods.yml"""

    moods: dict[str, Mood]


def load_moods(path: Path = MOODS_FILE) -> Moods:
    moods: Moods = yaml.safe_load(path.read_text(encoding="utf-8"))
    return moods


def resolve_mood(word: str, moods: Moods, message: str = "") -> str | None:
    """The configured mood for an extracted word, else the first mood or synonym named in the message."""
    word = word.strip().lower()
    for name, spec in moods["moods"].items():
        if word and (word == name or word in spec.get("synonyms", [])):
            return name
    text = f" {' '.join(message.lower().split())} "
    for name, spec in moods["moods"].items():
        if any(f" {term} " in text for term in [name, *spec.get("synonyms", [])]):
            return name
    return None


def exclusions(dietary: Sequence[str], exclude_allergens: Sequence[str]) -> list[str]:
    """The allergen codes a recommendation must avoid, in the EU list's order: "nuts" and the nut-free
    tag cover peanuts as well, and a value the backend does not know is dropped (it cannot be checked
    and would make the backend refuse the whole search)."""
    wanted = set(exclude_allergens)
    if "nuts" in wanted or "nut_free" in dietary:
        wanted |= set(NUT_CODES)
    unknown = wanted - set(ALLERGEN_CODES)
    if unknown:
        logger.warning("allergen values no menu data covers were ignored: %s", sorted(unknown))
    return [code for code in ALLERGEN_CODES if code in wanted]


def satisfies(item: MenuItem, dietary: Sequence[str], exclude_allergens: Sequence[str]) -> bool:
    """The hard filters, checked on backend data whatever retrieval or the LLM returned."""
    excluded = set(exclusions(dietary, exclude_allergens))
    return item.available and set(dietary) <= set(item.dietary_tags) and not excluded & set(item.allergens)


def pick_for_mood(items: list[MenuItem], mood: str | None, moods: Moods, limit: int = 3) -> list[MenuItem]:
    if mood is None:
        return [item for item in items if item.is_special][:limit] or items[:limit]
    spec = moods["moods"][mood]
    categories = set(spec.get("categories", []))
    max_spice = spec.get("max_spice_level", 3)

    def score(item: MenuItem) -> tuple[int, int]:
        return (int(mood in item.mood_tags) + int(item.category.slug in categories), -item.spice_level)

    fitting = [
        item
        for item in items
        if item.spice_level <= max_spice and (mood in item.mood_tags or item.category.slug in categories)
    ]
    return sorted(fitting, key=score, reverse=True)[:limit]


@dataclass
class Suggestion:
    item: MenuItem
    reason: str


@dataclass
class Recommendation:
    mood: str | None
    intro: str
    suggestions: list[Suggestion] = field(default_factory=list)
    mode: Literal["llm", "offline"] = "offline"


class _Pick(BaseModel):
    id: int
    reason: str


class _Picks(BaseModel):
    suggestions: list[_Pick]


class Recommender:
    def __init__(
        self,
        *,
        backend: BackendClient,
        retriever: Retriever,
        llm: LlmClient,
        prompts: Prompts,
        moods: Moods,
        count: int = 3,
        candidate_pool: int = 8,
    ) -> None:
        self.backend = backend
        self.retriever = retriever
        self.llm = llm
        self.prompts = prompts
        self.moods = moods
        self.count = count
        self.candidate_pool = candidate_pool

    async def recommend(
        self,
        message: str,
        *,
        mood_word: str = "",
        dietary: Sequence[str] = (),
        exclude_allergens: Sequence[str] = (),
        conversation_id: str = "",
        count: int | None = None,
    ) -> Recommendation:
        """Raises BackendUnavailable when the menu cannot be read (nothing can be recommended safely).
        `count` overrides the configured number of suggestions (an experiment's arm may)."""
        count = max(1, min(count or self.count, 5))
        mood = resolve_mood(mood_word, self.moods, message)
        intro = self.moods["moods"][mood]["intro"] if mood else "Here are a few guest favourites"
        exclude_allergens = exclusions(dietary, exclude_allergens)
        filters = {"available": "true"}
        if dietary:
            filters["dietary"] = ",".join(dietary)
        if exclude_allergens:
            filters["exclude_allergens"] = ",".join(exclude_allergens)
        allowed = [
            item
            for item in await self.backend.search_items(**filters)
            if satisfies(item, dietary, exclude_allergens)
        ]
        candidates = await self._candidates(message, mood, allowed, dietary, exclude_allergens)
        recommendation = Recommendation(mood, intro)
        if not candidates:
            return recommendation
        if self.llm.online:
            try:
                recommendation.suggestions = await self._llm_picks(
                    message, mood, candidates, dietary, exclude_allergens, conversation_id, count
                )
                recommendation.mode = "llm"
            except LlmUnavailable as reason:
                logger.warning(
                    "llm unavailable (%s); offline recommendation",
                    reason.reason,
                    extra={"conversation_id": conversation_id},
                )
        if not recommendation.suggestions:
            recommendation.suggestions = [Suggestion(item, item.description) for item in candidates[:count]]
        return recommendation

    async def _candidates(
        self,
        message: str,
        mood: str | None,
        allowed: list[MenuItem],
        dietary: Sequence[str],
        exclude_allergens: Sequence[str],
    ) -> list[MenuItem]:
        by_id = {item.id: item for item in allowed}
        ordered = pick_for_mood(allowed, mood, self.moods, limit=self.candidate_pool)
        if self.llm.online:  # retrieval widens the pool only for the LLM to choose from
            from rag.retriever import SearchFilters

            query = " ".join(
                filter(None, [message, mood, *self.moods["moods"].get(mood or "", {}).get("categories", [])])
            )
            try:
                hits = await self.retriever.asearch(
                    query,
                    top_k=self.candidate_pool,
                    filters=SearchFilters(
                        kinds=("menu_item",),
                        available_only=True,
                        dietary=tuple(dietary),
                        exclude_allergens=tuple(exclude_allergens),
                    ),
                )
            except Exception:
                logger.exception("retrieval failed; recommending from the backend's mood picks only")
                hits = []
            max_spice = self.moods["moods"].get(mood or "", {}).get("max_spice_level", 3)
            ordered += [
                by_id[hit.item_id]
                for hit in hits
                if hit.item_id in by_id and by_id[hit.item_id].spice_level <= max_spice
            ]
        unique = list({item.id: item for item in ordered}.values())
        return unique[: self.candidate_pool]

    async def _llm_picks(
        self,
        message: str,
        mood: str | None,
        candidates: list[MenuItem],
        dietary: Sequence[str],
        exclude_allergens: Sequence[str],
        conversation_id: str,
        count: int,
    ) -> list[Suggestion]:
        constraints = ", ".join(
            [
                *(f"must be {tag.replace('_', '-')}" for tag in dietary),
                *(f"no {allergen}" for allergen in exclude_allergens),
            ]
        )
        messages = self.prompts.messages(
            "recommend",
            message=message[:500],
            mood=mood or "",
            constraints=constraints,
            count=count,
            candidates=[{"id": item.id, "name": item.name, "summary": _summary(item)} for item in candidates],
        )
        # A short task (pick ≤3 of ≤8 ids, one line each): the fast, cheaper model does it.
        completion = await self.llm.complete(
            messages, fast=True, json_mode=True, conversation_id=conversation_id
        )
        try:
            picks = _Picks.model_validate(json.loads(completion.text)).suggestions
        except (ValueError, ValidationError):
            logger.warning(
                "llm recommendation was not the JSON asked for", extra={"conversation_id": conversation_id}
            )
            return []
        by_id = {item.id: item for item in candidates}
        suggestions: list[Suggestion] = []
        for pick in picks:
            item = by_id.get(pick.id)
            if item is None or any(s.item.id == item.id for s in suggestions):
                if item is None:
                    logger.warning("llm suggested a dish outside the candidates: %s", pick.id)
                continue
            reason = finish(
                pick.reason[:300],
                fact_sheet([item], subject=item),
                system_prompt=self.prompts.system_text,
                conversation_id=conversation_id,
            )
            if reason in (REFUSAL, default_personality().fallback_text):  # nothing usable survived the checks
                reason = item.description
            suggestions.append(Suggestion(item, reason))
        suggestions = suggestions[:count]
        for item in candidates:  # 2–3 suggestions even if the model returned fewer usable ones
            if len(suggestions) >= min(2, len(candidates)):
                break
            if all(s.item.id != item.id for s in suggestions):
                suggestions.append(Suggestion(item, item.description))
        return suggestions


def _summary(item: MenuItem) -> str:
    tags = ", ".join(tag.replace("_", "-") for tag in item.dietary_tags)
    spice = ["not spicy", "mild", "medium spicy", "very spicy"][min(item.spice_level, 3)]
    return f"{item.description} ({item.category.name}; {spice}{'; ' + tags if tags else ''})"
