"""Allergen and dietary claims: which a sentence makes, about which dish, and the backend's fact
when one is wrong. The words come from the shared vocabulary (`vocabulary.ALLERGENS`)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from llm.guard.dishes import dish_groups, dish_matcher, mask_spans
from llm.guard.facts import DishFacts, FactSheet
from llm.guard.sentences import alternation, fold
from vocabulary import ALLERGEN_BY_CODE, ALLERGEN_CODES, ALLERGENS, DIETARY_CODES, DIETARY_TAGS, NUT_CODES

_NUTS = frozenset(NUT_CODES)  # "nuts" said by a guest includes peanuts for safety
# "suitable for coeliacs" is a gluten claim; these words are always allergy talk (see _polarity)
_ALLERGY_TALK_TERMS = frozenset(
    {"coeliac", "coeliacs", "celiac", "celiacs", "coeliac disease", "celiac disease"}
)
_DIETARY_TEXT = {tag.code: tag.text for tag in DIETARY_TAGS}


def _terms(codes: Iterable[str], *words: str) -> dict[str, frozenset[str]]:
    return {word: frozenset(codes) for word in words}


# Each word the guard reads as allergen talk, and the codes it stands for.
ALLERGEN_TERMS: dict[str, frozenset[str]] = {
    **{word: frozenset({allergen.code}) for allergen in ALLERGENS for word in allergen.words},
    **_terms({"crustaceans", "molluscs"}, "shellfish"),
    **_terms(_NUTS, "nut", "nuts"),
    **_terms({"cereals_gluten"}, *sorted(_ALLERGY_TALK_TERMS)),
    # "allergen-free": free of all 14
    **_terms(ALLERGEN_CODES, "allergen", "allergens"),
}


_ALLERGEN_RE = re.compile(
    r"(?<![\w])(?P<term>"
    + alternation(ALLERGEN_TERMS)
    + r")(?P<free>[\s-]+(?:free|safe)\b|-?less\b)?(?![\w])"
)
# "coconut milk", "peanut butter", "vegan cheese": not the milk allergen.
_NOT_DAIRY_BEFORE = re.compile(
    r"(?:coconut|oat|almond|soy|soya|rice|plant|plant[\s-]based|vegan|cashew|hazelnut|nut|peanut|cocoa|"
    r"cacao|shea|apple|dairy[\s-]free|non[\s-]dairy|vegetable)[\s-]+$"
)
_DAIRY_WORDS = {"milk", "butter", "cream", "cheese", "yogurt", "yoghurt", "buttermilk"}

_DIETARY_RE = re.compile(
    r"(?<![\w])(?P<non>non[\s-]?)?(?:"
    r"(?P<gluten_free>gluten[\s-]?free|(?:coeliac|celiac)[\s-](?:safe|friendly))"
    r"|(?P<dairy_free>(?:dairy|lactose|milk)[\s-]?free|non[\s-]?dairy)"
    r"|(?P<nut_free>(?:tree[\s-]?)?nuts?[\s-]?free)"
    r"|(?P<vegan>vegans?|plant[\s-]based)"
    r"|(?P<vegetarian>vegetarians?|veggie(?!s)|meat[\s-]?(?:free|less)|(?:no|without|zero)\s+meat)"
    r"|(?P<halal>halal)"
    r")(?![\w])"
)

_NEGATION = re.compile(
    r"\b(?:no|not|without|never|none|zero|nor|neither|free\s+(?:of|from)|cannot|lacks?|excludes?|excluding|"
    r"except|minus|omit\w*|leave\s+out|left\s+out)\b|n't\b"
)
_AVOID = re.compile(r"\bavoid\w*\b")
_SAFE = re.compile(r"\b(?:safe|suitable|suited|fine|ok|okay|good|great|perfect|ideal|appropriate|works)\b")
_ALLERGY_AFTER = re.compile(r"^[\s-]*(?:allerg|intoleran|sensitiv)")
_ALLERGY_BEFORE = re.compile(
    r"(?:allergic|allergy|allergies|intolerant|intolerance|sensitive|sensitivity)"
    r"\s+(?:to|for)\s+(?:the\s+)?$"
)
_TRACES = re.compile(
    r"\b(?:traces?|may\s+contain|might\s+contain|can\s+contain|could\s+contain|"
    r"cross[\s-]?contam\w*|cross[\s-]?contact|same\s+kitchen|shared\s+\w+)\b"
)
_HEDGE = re.compile(
    r"\b(?:can\s*not|can't|cannot|unable\s+to|no\s+way\s+to)\s+(?:fully\s+|completely\s+)?"
    r"(?:guarantee|promise|rule\s+out|ensure|be\s+sure)|\bno\s+guarantee|\bnot\s+(?:be\s+)?guaranteed"
)
_OPTION_BEFORE = re.compile(
    r"\b(?:extra|add|added|adding|optional(?:ly)?|side\s+of|topping\s+of|top\s+it\s+with)"
    r"\s+(?:some\s+|a\s+|an\s+)?$"
)
_INTERJECTION = re.compile(
    r"^\W*(?:no|nope|yes|yep|sure|sorry|unfortunately|actually|well|good\s+news|"
    r"great\s+news)\b\s*[,!.:;-]+"
)
_SUBJECT_START = re.compile(r"^\s*(?:(?:the|any|some|there\s+(?:are|is)|and|or|,)\s*)*$")
_CONNECTORS = re.compile(r"^(?:[\s,/&]|\band\b|\bor\b|\bnor\b|\bas\s+well\s+as\b|\bplus\b)*$")


_CLAUSE_SPLIT = re.compile(
    r";|\s[-\u2013\u2014]\s|,?\s+(?:but|while|whereas|although|though|however|unlike)\b"
    r"|,\s*except\b"
)
PRONOUN = re.compile(
    r"\b(?:it|it's|its|itself|this|this\s+one|this\s+dish|that\s+dish|that\s+one|"
    r"the\s+dish|the\s+one)\b"
)
_GENERAL = re.compile(
    r"\b(?:we|we're|we've|our|ours|us|kitchen|menu|restaurant|everything|every|none|most|"
    r"many|some|several|dishes|options|items|choices|range|selection|staff|team|guests?|"
    r"people|anyone|someone|allergens?|common)\b"
)
_CONDITIONAL = re.compile(
    r"\b(?:if|whether|in\s+case|let\s+(?:me|us)\s+know|just\s+ask|ask\s+(?:us|me|our)|"
    r"tell\s+(?:us|me|our|the|a)|looking\s+for|avoid(?:ing)?|prefer)\b"
)
_EXISTENCE = re.compile(
    r"\b(?:we\s+have|we\s+offer|we've\s+got|there\s+(?:are|is)|options?|choices?|dishes|"
    r"selection|several|some|a\s+few|plenty|range|marked|labell?ed|recommend|suggest)\b"
)
_UNIVERSAL = re.compile(r"\b(?:all|every|everything|entire|whole|always|only\s+serve)\b")
_MARKED = re.compile(r"\b(?:marked|labell?ed)\b")


@dataclass
class _Mention:
    start: int
    end: int
    kind: Literal["allergen", "dietary"]
    codes: frozenset[str]  # allergen codes, or {tag} for dietary
    base_negative: bool
    allergy_talk: bool = False  # "coeliacs": a claim only with "safe/suitable for"


@dataclass
class _Claim:
    kind: Literal["allergen", "dietary"]
    codes: frozenset[str]
    negative: bool
    dishes: tuple[DishFacts, ...]
    clause: str


def _mentions(masked: str) -> tuple[list[_Mention], str]:
    mentions: list[_Mention] = []
    for match in _DIETARY_RE.finditer(masked):
        tag = next(name for name in DIETARY_CODES if match.group(name))
        mentions.append(
            _Mention(match.start(), match.end(), "dietary", frozenset({tag}), bool(match.group("non")))
        )
    masked = mask_spans(masked, [(mention.start, mention.end) for mention in mentions])
    for match in _ALLERGEN_RE.finditer(masked):
        term = re.sub(r"[\s-]+", " ", match.group("term"))
        if term in _DAIRY_WORDS and _NOT_DAIRY_BEFORE.search(masked[: match.start()]):
            continue
        mentions.append(
            _Mention(
                match.start(),
                match.end(),
                "allergen",
                ALLERGEN_TERMS[term],
                bool(match.group("free")),
                term in _ALLERGY_TALK_TERMS,
            )
        )
    mentions.sort(key=lambda mention: mention.start)
    masked = mask_spans(
        masked, [(mention.start, mention.end) for mention in mentions if mention.base_negative]
    )
    return mentions, masked


def analyse_claims(
    sentence: str, facts: FactSheet, context: tuple[DishFacts, ...]
) -> tuple[list[_Claim], list[_Claim], tuple[DishFacts, ...], str, list[tuple[int, int, DishFacts]]]:
    """Claims with a known dish, unverifiable claims (no dish), the new dish context, masked text, dish hits."""
    folded = fold(sentence)
    by_name = {dish.name: dish for dish in facts.all_dishes()}
    hits = [
        (start, end, by_name[name]) for start, end, name in dish_matcher(tuple(sorted(by_name))).find(folded)
    ]
    masked = mask_spans(folded, [(start, end) for start, end, _ in hits])
    mentions, fully_masked = _mentions(masked)
    question = sentence.rstrip(" \t\"'\u201d\u2019)").endswith("?")
    known: list[_Claim] = []
    unknown: list[_Claim] = []

    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(masked)] + [len(masked)]
    for clause_start, clause_end in itertools.pairwise(bounds):
        clause_text = masked[clause_start:clause_end]
        clause_hits = [hit for hit in hits if clause_start <= hit[0] < clause_end]
        groups = dish_groups(clause_hits, masked)
        previous: _Mention | None = None
        previous_verdict: tuple[bool, bool] | None = None  # (skip, negative)
        in_clause = [m for m in mentions if clause_start <= m.start < clause_end]
        for position, mention in enumerate(in_clause):
            if (
                previous is not None
                and previous_verdict is not None
                and _CONNECTORS.match(masked[previous.end : mention.start])
                and not (mention.allergy_talk and previous.kind != "allergen")
            ):
                skip, negative = previous_verdict
            else:
                window_start = max(
                    [clause_start, previous.end if previous else clause_start]
                    + [end for start, end, _ in clause_hits if end <= mention.start]
                )
                window = _INTERJECTION.sub("", masked[window_start : mention.start])
                following = ""
                if _SUBJECT_START.match(window):  # "Peanuts are not in the Pad Thai": look ahead too
                    stop = min([start for start, _, _ in clause_hits if start >= mention.end] + [clause_end])
                    chain_end = mention.end
                    for later in in_clause[position + 1 :]:  # skip the rest of a list ("peanuts and eggs")
                        if not _CONNECTORS.match(masked[chain_end : later.start]):
                            stop = min(stop, later.start)
                            break
                        chain_end = later.end
                    following = re.split(r"[,(]", masked[chain_end:stop], maxsplit=1)[0]
                skip, negative = _polarity(mention, window, masked, clause_start, following)
            previous, previous_verdict = mention, (skip, negative)
            if skip or question:
                continue
            before = [group for group in groups if group[1] <= mention.start]
            after = [group for group in groups if group[0] >= mention.end]
            if before or after:
                dishes = (before[-1] if before else after[0])[2]
            elif PRONOUN.search(clause_text) or not _GENERAL.search(clause_text):
                dishes = context or tuple(d for d in (facts.subject,) if d is not None)
            else:
                dishes = ()
            claim = _Claim(mention.kind, mention.codes, negative, dishes, clause_text)
            (known if dishes else unknown).append(claim)
        if groups:
            context = groups[-1][2]
    return known, unknown, context, fully_masked, hits


def _polarity(
    mention: _Mention, window: str, masked: str, clause_start: int, following: str = ""
) -> tuple[bool, bool]:
    """(skip, negative) for one mention, from the words just before it (and after it when it is the subject)."""
    negated = bool(_NEGATION.search(window) or _AVOID.search(window) or _NEGATION.search(following))
    if _HEDGE.search(masked[clause_start : mention.start]):
        return True, False
    if mention.kind == "dietary":
        return False, mention.base_negative != negated
    allergy_talk = (
        mention.allergy_talk
        or _ALLERGY_AFTER.match(masked[mention.end :])
        or _ALLERGY_BEFORE.search(masked[: mention.start])
    )
    if mention.allergy_talk:  # "suitable for vegans and coeliacs", "not safe for people with coeliac disease"
        window = masked[clause_start : mention.start]
        negated = bool(_NEGATION.search(window) or _AVOID.search(window))
    if allergy_talk:  # "safe for a nut allergy" is a claim; "tell us about a nut allergy" is not
        return (False, not negated) if _SAFE.search(window) else (True, False)
    if not negated and (_OPTION_BEFORE.search(window) or _TRACES.search(window)):
        return True, False
    return False, mention.base_negative != negated


def _has_tag(dish: DishFacts, tag: str) -> tuple[bool, frozenset[str]]:
    """Whether the dish really is `tag`, and which of its allergens rule it out."""
    blockers = {
        "gluten_free": {"cereals_gluten"},
        "dairy_free": {"milk"},
        "nut_free": set(_NUTS),
        "vegan": {"milk", "eggs", "fish", "crustaceans", "molluscs"},
    }.get(tag, set())
    present = frozenset(dish.allergens & blockers)
    tagged = tag in dish.dietary_tags or (tag == "vegetarian" and "vegan" in dish.dietary_tags)
    return tagged and not present, present


def _labels(codes: Iterable[str], conjunction: str) -> str:
    names = [ALLERGEN_BY_CODE[code].short for code in ALLERGEN_CODES if code in set(codes)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def backend_fact(claim: _Claim, dish: DishFacts) -> str | None:
    """The backend's fact if `claim` is wrong for `dish`, else None."""
    if claim.kind == "allergen":
        if not claim.negative and claim.codes == frozenset(ALLERGEN_CODES):
            return None  # "it lists its allergens", "contains allergens": nothing to correct
        present = claim.codes & dish.allergens
        if claim.negative and present:
            return f"The {dish.name} contains {_labels(present, 'and')}."
        if not claim.negative and not present:
            return f"The {dish.name} has no {_labels(claim.codes, 'or')} in its recipe."
        return None
    tag = next(iter(claim.codes))
    holds, blockers = _has_tag(dish, tag)
    label = _DIETARY_TEXT[tag]
    if not claim.negative and not holds:
        reason = f"; it contains {_labels(blockers, 'and')}" if blockers else ""
        return f"The {dish.name} isn't {label}{reason}."
    if claim.negative and holds:
        return f"The {dish.name} is {label}."
    return None


def unverifiable(claim: _Claim) -> bool:
    """A claim about no known dish that must not reach the guest (a safety promise)."""
    if _CONDITIONAL.search(claim.clause):
        return False
    if claim.kind == "allergen":
        return claim.negative
    tag = next(iter(claim.codes))
    if claim.negative or tag not in {"gluten_free", "dairy_free", "nut_free"}:
        return False  # "We have vegan options" is fine
    if _UNIVERSAL.search(claim.clause) and not _MARKED.search(claim.clause):
        return True
    return not _EXISTENCE.search(claim.clause)
