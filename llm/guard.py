"""Output guard for LLM text: money and allergens are never guessed.

`guard_reply` is the one pipeline every LLM text takes before a guest reads it (production calls
it through actions/llm_text.py, for whole replies and for the streamed preview alike). The text
is first made into the plain text the guest will see (markdown rendered, entities decoded,
invisible characters removed), so the checks run on exactly what is shown. Every price (in any
currency, in digits or in words), allergen and dietary claim is then checked against backend facts
(plain dataclasses handed in by the caller); a claim that does not match is replaced by the
backend's fact or the sentence is removed, as are offers and web addresses the backend did not hand
over. A light personality pass tidies the phrasing. Knows nothing of Rasa, HTTP or the LLM client.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Literal, Optional

import yaml
from linkify_it import LinkifyIt
from markdown_it import MarkdownIt
from text_to_num import alpha2digit, text2num

PERSONALITY_FILE = Path(__file__).resolve().parent / "personality.yml"

ALLERGEN_CODES: tuple[str, ...] = (
    "cereals_gluten", "crustaceans", "eggs", "fish", "peanuts", "soybeans", "milk", "nuts",
    "celery", "mustard", "sesame", "sulphites", "lupin", "molluscs",
)
DIETARY_TAGS: tuple[str, ...] = ("vegetarian", "vegan", "gluten_free", "dairy_free", "halal", "nut_free")

# How the guard names an allergen code in a corrected sentence.
ALLERGEN_LABELS = {
    "cereals_gluten": "gluten", "crustaceans": "crustaceans", "eggs": "eggs", "fish": "fish",
    "peanuts": "peanuts", "soybeans": "soy", "milk": "milk", "nuts": "tree nuts", "celery": "celery",
    "mustard": "mustard", "sesame": "sesame", "sulphites": "sulphites", "lupin": "lupin",
    "molluscs": "molluscs",
}
DIETARY_LABELS = {
    "vegetarian": "vegetarian", "vegan": "vegan", "gluten_free": "gluten-free",
    "dairy_free": "dairy-free", "halal": "halal", "nut_free": "nut-free",
}
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}

CorrectionKind = Literal["price", "allergen", "dietary", "free_offer", "link", "leak"]


# --------------------------------------------------------------------------- facts


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not an amount: {value!r}") from error


def _get(source: Any, key: str, default: Any = None) -> Any:
    if isinstance(source, dict):
        return source.get(key, default)
    return getattr(source, key, default)


@dataclass(frozen=True)
class DishFacts:
    """What the backend knows about one dish. Allergens are the 14 EU codes (required: no default)."""

    name: str
    price: Decimal
    allergens: frozenset[str]
    dietary_tags: frozenset[str] = frozenset()
    currency: str = "EUR"
    option_deltas: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "price", _decimal(self.price))
        object.__setattr__(self, "allergens", frozenset(self.allergens))
        object.__setattr__(self, "dietary_tags", frozenset(self.dietary_tags))
        object.__setattr__(self, "option_deltas", tuple(_decimal(delta) for delta in self.option_deltas))
        unknown = self.allergens - set(ALLERGEN_CODES)
        if unknown:  # a typo here would make the guard believe a dish is free of an allergen
            raise ValueError(f"{self.name}: unknown allergen codes {sorted(unknown)}")

    @classmethod
    def from_item(cls, item: Any) -> "DishFacts":
        """Build from a backend menu item (pydantic model, object or dict with `options[].price_delta`)."""
        options = _get(item, "options", None) or []
        return cls(
            name=str(_get(item, "name")),
            price=_decimal(_get(item, "price")),
            allergens=frozenset(_get(item, "allergens", None) or ()),
            dietary_tags=frozenset(_get(item, "dietary_tags", None) or ()),
            currency=str(_get(item, "currency", None) or "EUR"),
            option_deltas=tuple(_decimal(_get(option, "price_delta")) for option in options),
        )

    def allowed_amounts(self) -> set[Decimal]:
        """The base price, each non-zero option delta, and price + delta."""
        amounts = {self.price}
        for delta in self.option_deltas:
            if delta:
                amounts.update({delta, self.price + delta})
        return {_cents(amount) for amount in amounts}


@dataclass(frozen=True)
class FactSheet:
    """Everything the LLM was allowed to say about money and food in one answer."""

    dishes: tuple[DishFacts, ...]
    extra_amounts: tuple[Decimal, ...] = ()
    currency: str = "EUR"
    subject: Optional[DishFacts] = None
    links: tuple[str, ...] = ()  # web/e-mail addresses the backend handed the model; no other may be shown

    def __post_init__(self) -> None:
        object.__setattr__(self, "dishes", tuple(self.dishes))
        object.__setattr__(self, "extra_amounts", tuple(_decimal(amount) for amount in self.extra_amounts))
        object.__setattr__(self, "links", tuple(str(link) for link in self.links))

    def all_dishes(self) -> tuple[DishFacts, ...]:
        if self.subject is not None and self.subject not in self.dishes:
            return self.dishes + (self.subject,)
        return self.dishes

    def allowed(self) -> set[tuple[str, Decimal]]:
        """(currency, amount) pairs that may appear in the text."""
        pairs = {(self.currency, _cents(amount)) for amount in self.extra_amounts}
        for dish in self.all_dishes():
            pairs.update((dish.currency, amount) for amount in dish.allowed_amounts())
        return pairs


@dataclass
class Correction:
    """One change made to the text: `replacement` is None when the sentence was removed."""

    kind: CorrectionKind
    original: str
    replacement: Optional[str]


@dataclass
class Checked:
    """The text the guest may read, and what was changed to get there."""

    text: str
    corrections: list[Correction] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.corrections)


def money(amount: Decimal, currency: str = "EUR") -> str:
    """`€12.50`, like actions/formatting.py."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    value = f"{Decimal(amount):.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"


def _cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))


# --------------------------------------------------------------------------- text helpers


def _fold(text: str) -> str:
    """Lower-case, accents off, straight quotes/dashes; same length as the input (offsets stay valid)."""
    if text.isascii():
        return text.lower().replace("`", "'")
    out = []
    for char in text:
        if char in "\u2019\u2018`\u00b4":
            out.append("'")
        elif char in "\u2010\u2011\u2012\u2013\u2014":
            out.append("-")
        elif ord(char) < 128:
            out.append(char.lower())
        else:
            base = unicodedata.normalize("NFKD", char)[0].lower()
            out.append(base if len(base) == 1 else char)
    return "".join(out)


_ABBREVIATIONS = {"e.g", "i.e", "approx", "vs", "incl", "excl", "mr", "mrs", "ms", "dr", "st", "ca", "cf", "nr"}
_BOUNDARY = re.compile(r"(?P<end>[.!?\u2026]+[\"'\u201d\u2019)\]]*)(?P<ws>\s+)|(?P<nl>[ \t]*\n\s*)")


def _segments(text: str) -> tuple[str, list[list[str]]]:
    """Split into [sentence, separator] pairs; lines are sentences too. Not on `e.g.` or `12.50`."""
    lead = text[: len(text) - len(text.lstrip())]
    segments: list[list[str]] = []
    start = len(lead)
    for match in _BOUNDARY.finditer(text, start):
        if match.group("end"):
            separator = match.group("ws")
            end_mark = match.group("end").rstrip("\"'\u201d\u2019)]")
            if end_mark == "." and "\n" not in separator:
                word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[start:match.start()])
                following = text[match.end():match.end() + 1]
                if word and (word.group(1).lower() in _ABBREVIATIONS
                             or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word.group(1).lower())):
                    continue
                if following.islower() or following.isdigit():
                    continue
            sentence_end = match.start("ws")
        else:
            separator = match.group("nl")
            sentence_end = match.start()
        sentence = text[start:sentence_end]
        if sentence:
            segments.append([sentence, separator])
        elif segments:
            segments[-1][1] += separator
        start = match.end()
    if start < len(text):
        segments.append([text[start:], ""])
    return lead, segments


def split_sentences(text: str) -> list[str]:
    """The sentences (and lines) of a text, without their separators."""
    return [sentence for sentence, _ in _segments(text)[1]]


def _join(lead: str, segments: list[list[str]], removed: set[int]) -> str:
    """Reassemble, dropping removed segments but keeping the strongest line break around them."""
    kept: list[list[str]] = []
    for index, (sentence, separator) in enumerate(segments):
        if index in removed:
            if kept and separator.count("\n") > kept[-1][1].count("\n"):
                kept[-1][1] = separator
            continue
        kept.append([sentence, separator])
    if not kept:
        return ""
    if segments and (len(segments) - 1) in removed:
        kept[-1][1] = segments[-1][1]
    return lead + "".join(sentence + separator for sentence, separator in kept)


_BULLET = re.compile(r"^\s*(?:[\u2022\-*]|\d+[.)])\s+")


# --------------------------------------------------------------------------- vocabulary

_NUTS = frozenset({"nuts", "peanuts"})  # "nuts" said by a guest includes peanuts for safety


def _terms(codes: Iterable[str], *words: str) -> dict[str, frozenset[str]]:
    return {word: frozenset(codes) for word in words}


ALLERGEN_TERMS: dict[str, frozenset[str]] = {
    **_terms({"cereals_gluten"}, "gluten", "wheat", "barley", "rye", "spelt", "cereals containing gluten"),
    **_terms({"crustaceans"}, "crustaceans", "crustacean", "shrimp", "shrimps", "prawn", "prawns", "crab",
             "crabs", "lobster", "lobsters", "crayfish", "langoustine", "langoustines", "scampi"),
    **_terms({"crustaceans", "molluscs"}, "shellfish"),
    **_terms({"eggs"}, "egg", "eggs"),
    **_terms({"fish"}, "fish", "salmon", "tuna", "cod", "anchovy", "anchovies", "sardines", "mackerel",
             "haddock", "trout"),
    **_terms({"peanuts"}, "peanut", "peanuts", "groundnut", "groundnuts"),
    **_terms({"soybeans"}, "soy", "soya", "soybean", "soybeans", "soya beans", "tofu", "edamame", "miso",
             "tempeh"),
    **_terms({"milk"}, "milk", "dairy", "lactose", "butter", "buttermilk", "cream", "cheese", "yogurt",
             "yoghurt", "ghee"),
    **_terms({"nuts"}, "tree nut", "tree nuts", "almond", "almonds", "walnut", "walnuts", "hazelnut",
             "hazelnuts", "cashew", "cashews", "pistachio", "pistachios", "pecan", "pecans", "macadamia",
             "macadamias", "brazil nut", "brazil nuts"),
    **_terms(_NUTS, "nut", "nuts"),
    **_terms({"celery"}, "celery", "celeriac"),
    **_terms({"mustard"}, "mustard"),
    **_terms({"sesame"}, "sesame", "tahini"),
    **_terms({"sulphites"}, "sulphites", "sulphite", "sulfites", "sulfite", "sulphur dioxide",
             "sulfur dioxide"),
    **_terms({"lupin"}, "lupin", "lupine", "lupins"),
    **_terms({"molluscs"}, "molluscs", "mollusc", "mollusks", "mollusk", "mussel", "mussels", "clam", "clams",
             "oyster", "oysters", "squid", "octopus", "scallop", "scallops", "calamari", "snails"),
    # "suitable for coeliacs" is a gluten claim; these words are always allergy talk (see _polarity)
    **_terms({"cereals_gluten"}, "coeliac", "coeliacs", "celiac", "celiacs", "coeliac disease", "celiac disease"),
    # "allergen-free": free of all 14
    **_terms(ALLERGEN_CODES, "allergen", "allergens"),
}
_ALLERGY_TALK_TERMS = frozenset({"coeliac", "coeliacs", "celiac", "celiacs", "coeliac disease", "celiac disease"})


def _alternation(words: Iterable[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"[\s-]+") for word in ordered)


_ALLERGEN_RE = re.compile(
    r"(?<![\w])(?P<term>" + _alternation(ALLERGEN_TERMS) + r")(?P<free>[\s-]+(?:free|safe)\b|-?less\b)?(?![\w])"
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
_ALLERGY_BEFORE = re.compile(r"(?:allergic|allergy|allergies|intolerant|intolerance|sensitive|sensitivity)"
                             r"\s+(?:to|for)\s+(?:the\s+)?$")
_TRACES = re.compile(r"\b(?:traces?|may\s+contain|might\s+contain|can\s+contain|could\s+contain|"
                     r"cross[\s-]?contam\w*|cross[\s-]?contact|same\s+kitchen|shared\s+\w+)\b")
_HEDGE = re.compile(r"\b(?:can\s*not|can't|cannot|unable\s+to|no\s+way\s+to)\s+(?:fully\s+|completely\s+)?"
                    r"(?:guarantee|promise|rule\s+out|ensure|be\s+sure)|\bno\s+guarantee|\bnot\s+(?:be\s+)?guaranteed")
_OPTION_BEFORE = re.compile(r"\b(?:extra|add|added|adding|optional(?:ly)?|side\s+of|topping\s+of|top\s+it\s+with)"
                            r"\s+(?:some\s+|a\s+|an\s+)?$")
_INTERJECTION = re.compile(r"^\W*(?:no|nope|yes|yep|sure|sorry|unfortunately|actually|well|good\s+news|"
                           r"great\s+news)\b\s*[,!.:;-]+")
_SUBJECT_START = re.compile(r"^\s*(?:(?:the|any|some|there\s+(?:are|is)|and|or|,)\s*)*$")
_CONNECTORS = re.compile(r"^(?:[\s,/&]|\band\b|\bor\b|\bnor\b|\bas\s+well\s+as\b|\bplus\b)*$")
_DISH_GROUP_GAP = re.compile(r"^(?:[\s,/&]|\band\b|\bor\b|\bnor\b|\bthe\b|\bboth\b|\beither\b|\bneither\b|"
                             r"\bplus\b|\bour\b)*$")
_CLAUSE_SPLIT = re.compile(r";|\s[-\u2013\u2014]\s|,?\s+(?:but|while|whereas|although|though|however|unlike)\b"
                           r"|,\s*except\b")
_PRONOUN = re.compile(r"\b(?:it|it's|its|itself|this|this\s+one|this\s+dish|that\s+dish|that\s+one|"
                      r"the\s+dish|the\s+one)\b")
_GENERAL = re.compile(r"\b(?:we|we're|we've|our|ours|us|kitchen|menu|restaurant|everything|every|none|most|"
                      r"many|some|several|dishes|options|items|choices|range|selection|staff|team|guests?|"
                      r"people|anyone|someone|allergens?|common)\b")
_CONDITIONAL = re.compile(r"\b(?:if|whether|in\s+case|let\s+(?:me|us)\s+know|just\s+ask|ask\s+(?:us|me|our)|"
                          r"tell\s+(?:us|me|our|the|a)|looking\s+for|avoid(?:ing)?|prefer)\b")
_EXISTENCE = re.compile(r"\b(?:we\s+have|we\s+offer|we've\s+got|there\s+(?:are|is)|options?|choices?|dishes|"
                        r"selection|several|some|a\s+few|plenty|range|marked|labell?ed|recommend|suggest)\b")
_UNIVERSAL = re.compile(r"\b(?:all|every|everything|entire|whole|always|only\s+serve)\b")
_MARKED = re.compile(r"\b(?:marked|labell?ed)\b")


# --------------------------------------------------------------------------- dish names

_TYPE_NOUNS = {"pizza", "curry", "bowl", "soup", "burger", "sandwich", "wrap", "plate", "platter", "roll",
               "salad", "tacos", "noodles", "bun", "cake", "sundae"}


def _name_words(name: str) -> list[str]:
    return re.findall(r"[a-z0-9]+|&", _fold(name))


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
        self._regex = re.compile("|".join(f"(?P<d{index}>{_name_pattern(list(words))})"
                                          for index, words in enumerate(ordered))) if ordered else None

    def find(self, folded: str) -> list[tuple[int, int, str]]:
        if self._regex is None:
            return []
        return [(match.start(), match.end(), self._names[int(match.lastgroup[1:])])
                for match in self._regex.finditer(folded)]


@lru_cache(maxsize=64)
def _matcher(names: tuple[str, ...]) -> _DishMatcher:
    return _DishMatcher(names)


# --------------------------------------------------------------------------- claims


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


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    chars = list(text)
    for start, end in spans:
        chars[start:end] = "#" * (end - start)
    return "".join(chars)


def _mentions(masked: str) -> tuple[list[_Mention], str]:
    mentions: list[_Mention] = []
    for match in _DIETARY_RE.finditer(masked):
        tag = next(name for name in DIETARY_TAGS if match.group(name))
        mentions.append(_Mention(match.start(), match.end(), "dietary", frozenset({tag}), bool(match.group("non"))))
    masked = _mask(masked, [(mention.start, mention.end) for mention in mentions])
    for match in _ALLERGEN_RE.finditer(masked):
        term = re.sub(r"[\s-]+", " ", match.group("term"))
        if term in _DAIRY_WORDS and _NOT_DAIRY_BEFORE.search(masked[:match.start()]):
            continue
        mentions.append(_Mention(match.start(), match.end(), "allergen", ALLERGEN_TERMS[term],
                                 bool(match.group("free")), term in _ALLERGY_TALK_TERMS))
    mentions.sort(key=lambda mention: mention.start)
    masked = _mask(masked, [(mention.start, mention.end) for mention in mentions if mention.base_negative])
    return mentions, masked


def _groups(hits: list[tuple[int, int, DishFacts]], masked: str) -> list[tuple[int, int, tuple[DishFacts, ...]]]:
    """Dish names listed together ("the Pad Thai and the Margherita") form one group."""
    groups: list[list[Any]] = []
    for start, end, dish in hits:
        if groups and _DISH_GROUP_GAP.match(masked[groups[-1][1]:start]):
            groups[-1][1] = end
            if dish not in groups[-1][2]:
                groups[-1][2].append(dish)
        else:
            groups.append([start, end, [dish]])
    return [(start, end, tuple(dishes)) for start, end, dishes in groups]


def _analyse(sentence: str, facts: FactSheet, context: tuple[DishFacts, ...]
             ) -> tuple[list[_Claim], list[_Claim], tuple[DishFacts, ...], str, list[tuple[int, int, DishFacts]]]:
    """Claims with a known dish, unverifiable claims (no dish), the new dish context, masked text, dish hits."""
    folded = _fold(sentence)
    by_name = {dish.name: dish for dish in facts.all_dishes()}
    hits = [(start, end, by_name[name])
            for start, end, name in _matcher(tuple(sorted(by_name))).find(folded)]
    masked = _mask(folded, [(start, end) for start, end, _ in hits])
    mentions, fully_masked = _mentions(masked)
    question = sentence.rstrip(" \t\"'\u201d\u2019)").endswith("?")
    known: list[_Claim] = []
    unknown: list[_Claim] = []

    bounds = [0] + [m.end() for m in _CLAUSE_SPLIT.finditer(masked)] + [len(masked)]
    for clause_start, clause_end in zip(bounds, bounds[1:]):
        clause_text = masked[clause_start:clause_end]
        clause_hits = [hit for hit in hits if clause_start <= hit[0] < clause_end]
        groups = _groups(clause_hits, masked)
        previous: Optional[_Mention] = None
        previous_verdict: Optional[tuple[bool, bool]] = None  # (skip, negative)
        in_clause = [m for m in mentions if clause_start <= m.start < clause_end]
        for position, mention in enumerate(in_clause):
            if previous is not None and previous_verdict is not None \
                    and _CONNECTORS.match(masked[previous.end:mention.start]) \
                    and not (mention.allergy_talk and previous.kind != "allergen"):
                skip, negative = previous_verdict
            else:
                window_start = max([clause_start, previous.end if previous else clause_start]
                                   + [end for start, end, _ in clause_hits if end <= mention.start])
                window = _INTERJECTION.sub("", masked[window_start:mention.start])
                following = ""
                if _SUBJECT_START.match(window):  # "Peanuts are not in the Pad Thai": look ahead too
                    stop = min([start for start, _, _ in clause_hits if start >= mention.end] + [clause_end])
                    chain_end = mention.end
                    for later in in_clause[position + 1:]:  # skip the rest of a list ("peanuts and eggs")
                        if not _CONNECTORS.match(masked[chain_end:later.start]):
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
            elif _PRONOUN.search(clause_text) or not _GENERAL.search(clause_text):
                dishes = context or tuple(d for d in (facts.subject,) if d is not None)
            else:
                dishes = ()
            claim = _Claim(mention.kind, mention.codes, negative, dishes, clause_text)
            (known if dishes else unknown).append(claim)
        if groups:
            context = groups[-1][2]
    return known, unknown, context, fully_masked, hits


def _polarity(mention: _Mention, window: str, masked: str, clause_start: int, following: str = ""
              ) -> tuple[bool, bool]:
    """(skip, negative) for one mention, from the words just before it (and after it when it is the subject)."""
    negated = bool(_NEGATION.search(window) or _AVOID.search(window) or _NEGATION.search(following))
    if _HEDGE.search(masked[clause_start:mention.start]):
        return True, False
    if mention.kind == "dietary":
        return False, mention.base_negative != negated
    allergy_talk = (mention.allergy_talk or _ALLERGY_AFTER.match(masked[mention.end:])
                    or _ALLERGY_BEFORE.search(masked[:mention.start]))
    if mention.allergy_talk:  # "suitable for vegans and coeliacs", "not safe for people with coeliac disease"
        window = masked[clause_start:mention.start]
        negated = bool(_NEGATION.search(window) or _AVOID.search(window))
    if allergy_talk:  # "safe for a nut allergy" is a claim; "tell us about a nut allergy" is not
        return (False, not negated) if _SAFE.search(window) else (True, False)
    if not negated and (_OPTION_BEFORE.search(window) or _TRACES.search(window)):
        return True, False
    return False, mention.base_negative != negated


def _has_tag(dish: DishFacts, tag: str) -> tuple[bool, frozenset[str]]:
    """Whether the dish really is `tag`, and which of its allergens rule it out."""
    blockers = {
        "gluten_free": {"cereals_gluten"}, "dairy_free": {"milk"}, "nut_free": set(_NUTS),
        "vegan": {"milk", "eggs", "fish", "crustaceans", "molluscs"},
    }.get(tag, set())
    present = frozenset(dish.allergens & blockers)
    tagged = tag in dish.dietary_tags or (tag == "vegetarian" and "vegan" in dish.dietary_tags)
    return tagged and not present, present


def _labels(codes: Iterable[str], conjunction: str) -> str:
    names = [ALLERGEN_LABELS[code] for code in ALLERGEN_CODES if code in set(codes)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" {conjunction} " + names[-1]


def _fact(claim: _Claim, dish: DishFacts) -> Optional[str]:
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
    label = DIETARY_LABELS[tag]
    if not claim.negative and not holds:
        reason = f"; it contains {_labels(blockers, 'and')}" if blockers else ""
        return f"The {dish.name} isn't {label}{reason}."
    if claim.negative and holds:
        return f"The {dish.name} is {label}."
    return None


def _unverifiable(claim: _Claim) -> bool:
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


# --------------------------------------------------------------------------- money and offers

_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_AFTER_NUMBER = r"(?![\d]|[.,]\d)"
_GAP = r"[^\S\n]*"  # spaces, never a line break
# Every currency sign Unicode knows (category Sc: € $ £ ¥ ₹ ₽ ₩ ₺ ¢ ...), as _fold leaves them.
_SIGNS = "".join(sorted({folded for code in range(0x20, 0x10000) if unicodedata.category(chr(code)) == "Sc"
                         for folded in (chr(code), _fold(chr(code))) if not folded.isalnum()}))
_SIGN = "[" + re.escape(_SIGNS) + "]"
# ISO 4217 codes written before or after an amount (English words such as "try", "all", "mad" left out).
_ISO_CODES = ("eur", "usd", "gbp", "chf", "jpy", "cny", "rmb", "inr", "aud", "cad", "nzd", "sek", "nok", "dkk",
              "pln", "czk", "huf", "bgn", "rub", "zar", "brl", "mxn", "sgd", "hkd", "krw", "thb", "aed", "sar",
              "ils", "egp", "ngn", "kes", "php", "idr", "myr", "vnd", "ars", "clp", "twd", "isk", "uah", "kzt",
              "qar", "kwd", "bhd", "omr", "jod", "lkr", "pkr", "bdt")
_CODE_BEFORE = _alternation((*_ISO_CODES, "sfr", "fr.", "rs.", "rs", "kr.", "kr", "zl"))
_WORD_AFTER = _alternation((*_ISO_CODES, "euros", "euro", "dollars", "dollar", "bucks", "pounds", "pound", "quid",
                            "francs", "franc", "yen", "yuan", "renminbi", "rupees", "rupee", "rupiah", "kronor",
                            "kroner", "krona", "krone", "kr", "zlotys", "zloty", "dirhams", "dirham", "dinars",
                            "dinar", "riyals", "riyal", "rials", "rial", "rubles", "ruble", "roubles", "rouble",
                            "shekels", "shekel", "baht", "ringgit", "forint", "lei", "leva", "hryvnias", "hryvnia",
                            "pesos", "peso", "reais", "lira", "lire"))
_MAJOR_WORD = r"(?:euros?|eur|dollars?|usd|bucks|pounds?|gbp|quid)"
_MINOR_WORD = r"(?:cents?|ct|eurocents?|pence|p)"
_NUM_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
              "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
              "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand")
_NUM_WORD = "(?:" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r")(?![\w])"
# "seven", "twenty-three", "a hundred and twenty", "nine ninety-nine" (read with text2num, see _word_amount)
_SPELLED = r"(?<![\w-])(?:a\s+(?=hundred|thousand))?" + _NUM_WORD + r"(?:(?:[\s-]+and[\s-]+|[\s-]+)" + _NUM_WORD + r")*"
_HALF = r"(?P<half>\s+and\s+a\s+half)?"
_NOT_A_UNIT = (r"(?!\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|people|persons|guests|pieces|slices|items|dishes|"
               r"portions|stars?|km|kilomet\w*|miles?|kg|grams?|g\b|ml|litres?|liters?|cm|%|percent))")
# Phrases that make the number after them a price even with no currency: "costs 12", "for just fourteen fifty".
_PRICE_CUE = (r"\b(?:costs?|priced\s+at|price\s+(?:is|of)|for\s+(?:just|only)|(?:is|are|it's|its|they're)\s+"
              r"(?:just|only))\s+")
_TIME_CUE = re.compile(r"\b(?:at|from|until|till|til|to|by|before|after|between|and|open|opens|opening|close|closes|"
                       r"closing|since|around)\s*$|[-\u2013]\s*$")

# (pattern, how to read it), most specific first: an amount found earlier wins an overlap.
_MONEY_RES: list[tuple[re.Pattern[str], str]] = [
    # "seven euros fifty", "twelve euros and fifty cents", "seven and a half euros", "twenty quid"
    (re.compile(r"(?P<words>" + _SPELLED + r")" + _HALF + r"\s*(?P<code>" + _WORD_AFTER + r")(?![\w])"
                r"(?:\s+(?:and\s+)?(?P<minor>" + _SPELLED + r"|\d{1,2}(?!\d))(?:\s*" + _MINOR_WORD + r"(?![\w]))?"
                + _NOT_A_UNIT + r")?"), "words"),
    # "9 euros 99", "9 euros and 99 cents"
    (re.compile(r"(?<![\d.,])(?P<num>\d+)" + _GAP + r"(?P<code>" + _MAJOR_WORD + r")\s+(?:and\s+)?"
                r"(?P<minor>\d{1,2})(?![\d]|[.,]\d)(?:\s*" + _MINOR_WORD + r"(?![\w]))?" + _NOT_A_UNIT), "major_minor"),
    (re.compile(r"(?P<cur>" + _SIGN + r")" + _GAP + _NUMBER + _AFTER_NUMBER), "digits"),
    (re.compile(r"(?<![\w$])(?P<code>" + _CODE_BEFORE + r")" + _GAP + _NUMBER + _AFTER_NUMBER), "digits"),
    (re.compile(r"(?<![\d.,])" + _NUMBER + _AFTER_NUMBER + _GAP + r"(?P<cur>" + _SIGN + r")"), "digits"),
    (re.compile(r"(?<![\d.,])" + _NUMBER + _AFTER_NUMBER + _GAP + r"(?P<code>" + _WORD_AFTER + r")(?![\w])"), "digits"),
    # "999 cents", "50p", "fifty cents"
    (re.compile(r"(?<![\d.,])(?P<num>\d+)(?:" + _GAP + r"(?P<minor>cents?|ct|eurocents?|pence)|(?P<p>p))(?![\w])"),
     "minor"),
    (re.compile(r"(?P<words>" + _SPELLED + r")\s*(?P<minor>cents?|pence)(?![\w])"), "minor_words"),
    # "€ fourteen"
    (re.compile(r"(?P<cur>" + _SIGN + r")" + _GAP + r"(?P<words>" + _SPELLED + r")" + _HALF), "words"),
    # "costs 10", "for just fourteen fifty", "is only nine ninety-nine"
    (re.compile(_PRICE_CUE + _NUMBER + _AFTER_NUMBER + r"(?!\s*[a-z%" + re.escape(_SIGNS) + r"])"), "digits"),
    (re.compile(_PRICE_CUE + r"(?P<words>" + _SPELLED + r")" + _HALF
                + r"(?!\s*(?!(?:each|apiece|per|today|tonight|now)\b)[a-z%])"), "words"),
    # "The Pad Thai is 9.99": a bare amount with cents, a price only next to a dish (see _weak_is_price)
    (re.compile(r"(?<![\d.,:\w])(?P<num>\d{1,4}[.,]\d{2})(?![\d]|[.,]\d)(?!" + _GAP
                + r"(?:am|pm|a\.m|p\.m|h|hrs?|hours?|uur|o'clock|stars?|km|kilomet\w*|miles?|kg|g|grams?|ml|l|"
                  r"litres?|liters?|cm|mm|m|%|percent|minutes?|mins?|kcal|cal|calories|x)(?![a-z]))"), "weak"),
]
_CURRENCY_OF = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "¢": "USD", "eur": "EUR", "euro": "EUR",
                "euros": "EUR", "usd": "USD", "dollar": "USD", "dollars": "USD", "bucks": "USD", "gbp": "GBP",
                "pound": "GBP", "pounds": "GBP", "quid": "GBP", "pence": "GBP", "p": "GBP", "sfr": "CHF",
                "fr.": "CHF", "franc": "CHF", "francs": "CHF", "yen": "JPY", "yuan": "CNY", "renminbi": "CNY",
                "rmb": "CNY", "rs": "INR", "rs.": "INR", "rupee": "INR", "rupees": "INR", "zl": "PLN",
                "zloty": "PLN", "zlotys": "PLN"}


def _currency(marker: Optional[str], default_currency: str) -> str:
    """The ISO code for a sign or word; one that is not a known code stays itself (never the menu's currency)."""
    if not marker:
        return default_currency
    marker = re.sub(r"\s+", " ", marker)
    if marker in ("cent", "cents", "ct", "eurocent", "eurocents"):
        return default_currency
    return _CURRENCY_OF.get(marker) or (marker.upper() if marker in _ISO_CODES else marker)


def _parse_number(raw: str) -> Decimal:
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?", raw):
        return Decimal(raw.replace(",", ""))
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?", raw):
        return Decimal(raw.replace(".", "").replace(",", "."))
    return Decimal(raw.replace(",", "."))


def _spelled_groups(words: str) -> Optional[list[int]]:
    """"nine ninety-nine" -> [9, 99], "a hundred and twenty" -> [120] (text2num does the reading)."""
    digits = alpha2digit(words, "en", threshold=0)
    groups: list[int] = []
    for token in re.findall(r"\d+|[a-z]+", digits):
        if token.isdigit():
            groups.append(int(token))
        elif token in _NUM_WORDS:
            try:
                groups.append(int(text2num(token, "en")))
            except ValueError:
                return None
        elif token not in ("a", "and"):
            return None
    return groups or None


def _word_amount(words: str, half: bool = False) -> Optional[Decimal]:
    """A spelled-out amount: "seven" 7, "fourteen fifty" 14.50, "seven and a half" 7.50; None if unclear."""
    groups = _spelled_groups(words)
    if groups is None or len(groups) > 2 or (len(groups) == 2 and (groups[1] >= 100 or half)):
        return None
    value = Decimal(groups[0]) + (Decimal(groups[1]) / 100 if len(groups) == 2 else 0)
    return value + (Decimal("0.50") if half else 0)


@dataclass
class _Amount:
    start: int
    end: int
    currency: str
    value: Decimal  # -1 when it is money that could not be read: never an allowed amount
    weak: bool = False  # a bare "9.99": money only when written as a dish's price (see _weak_is_price)


def find_amounts(text: str, default_currency: str = "EUR") -> list[tuple[str, str, Decimal]]:
    """Money amounts in a text as (as written, currency, value); bare numbers like "9.99" are not included."""
    return [(text[a.start:a.end], a.currency, a.value) for a in _amounts(_fold(text), default_currency) if not a.weak]


def _read(match: re.Match[str], how: str, default_currency: str) -> Optional[_Amount]:
    groups = match.groupdict()
    marker = groups.get("cur") or groups.get("code")
    currency = _currency(marker, default_currency)
    start, unknown = match.start(), Decimal(-1)
    if how == "digits":
        value = _cents(_parse_number(match.group("num")))
        if not marker:  # "costs 10": the amount starts at the number
            start = match.start("num")
        if marker == "¢":
            value = _cents(value / 100)
        return _Amount(start, match.end(), currency, value)
    if how == "major_minor":
        return _Amount(start, match.end(), currency, _cents(Decimal(match.group("num")) + Decimal(match.group("minor")) / 100))
    if how == "minor":
        currency = "GBP" if groups.get("p") or groups.get("minor") == "pence" else default_currency
        return _Amount(start, match.end(), currency, _cents(Decimal(match.group("num")) / 100))
    if how == "minor_words":
        value = _word_amount(match.group("words"))
        currency = "GBP" if groups.get("minor") == "pence" else default_currency
        return _Amount(start, match.end(), currency, _cents(value / 100) if value is not None else unknown)
    if how == "words":
        value = _word_amount(match.group("words"), half=bool(groups.get("half")))
        minor = groups.get("minor")
        if value is not None and minor:
            cents = int(minor) if minor.isdigit() else _word_amount(minor)
            value = value + Decimal(cents) / 100 if cents is not None and cents < 100 and value == int(value) else None
        if not marker:
            start = match.start("words")
        return _Amount(start, match.end(), currency, _cents(value) if value is not None else unknown)
    # "weak": a bare amount with cents, unless it reads as a clock time ("at 19.30")
    before = match.string[:match.start()]
    hours, minutes = (int(part) for part in re.split(r"[.,]", match.group("num")))
    if _TIME_CUE.search(before) and hours < 24 and minutes < 60:
        return None
    return _Amount(start, match.end(), default_currency, _cents(_parse_number(match.group("num"))), weak=True)


def _amounts(folded: str, default_currency: str) -> list[_Amount]:
    found: list[_Amount] = []
    for regex, how in _MONEY_RES:
        for match in regex.finditer(folded):
            if any(match.start() < a.end and a.start < match.end() for a in found):
                continue
            amount = _read(match, how, default_currency)
            if amount is not None:
                found.append(amount)
    return sorted(found, key=lambda amount: amount.start)


_FREE_OFFER = re.compile(
    r"\bfor\s+free\b|\bfree\s+of\s+charge\b|\bon\s+the\s+house\b|\b(?:at\s+)?no\s+(?:extra\s+|additional\s+)?"
    r"(?:charge|cost)\b|\bcomplimentary\b|\bgratis\b|\bcosts?\s+nothing\b|\bfor\s+nothing\b|\bpay\s+nothing\b"
    r"|\bwithout\s+(?:any\s+)?charge\b|\b(?:won't|doesn't|does\s+not|will\s+not)\s+cost\s+(?:you\s+)?(?:a\s+(?:thing|cent)|anything)\b"
    r"|(?<![\w-])free\s+#|\b(?:eat|eats|dine|dines|drink|drinks)\s+(?:for\s+)?free\b"
    r"|(?<![\w-])free\s+(?:delivery|shipping|desserts?|drinks?|sides?|starters?|meals?|upgrades?|refills?|"
    r"coffees?|teas?|bottles?|portions?|items?|extras?|toppings?|sauces?|dips?|bread|gifts?|samples?|tasters?|"
    r"pizzas?|appeti[sz]ers?|sodas?|beers?|wines?|glass|round)\b"
    r"|\b(?:get|gets|getting|receive|receives|enjoy|claim|with|plus|includes?|including|a|an|one|two|your)\s+"
    r"(?:a\s+|an\s+)?free\s+(?!(?:of|from|for|to|table|tables|slot|spot|moment|minute|time|hand)\b)[a-z#]"
    r"|\b(?:is|are|it's|they're|be|comes?)\s+(?:completely\s+|totally\s+|entirely\s+|always\s+|also\s+)?"
    r"free\b(?![\s-]*(?:of|from|to|for\s+walk))"
)
_FREE_COMPOUND = re.compile(r"(?:sugar|fat|alcohol|meat|caffeine|allergen|hassle|stress|worry|care|smoke|step|"
                            r"cruelty|hands|duty|tax|cage|additive|preservative|msg|salt|gmo)[\s-]+$")
_COUNT = r"(?:\d+|one|two|three|four|five|a|an|any|another|a\s+second|the\s+second|your\s+second)"
_DISCOUNT = re.compile(
    r"\d+(?:[.,]\d+)?\s?(?:%|percent|per\s+cent)\s*(?:off|discount|korting|reduction|cheaper|less)\b"
    r"|\b(?:discount|reduction)\s+of\s+\d+|\bhalf[\s-]+(?:price|priced|off)\b|\b(?:2|two)[\s-]for[\s-](?:1|one)\b"
    r"|\bbuy\s+one,?\s+get\s+one\b|\bbogo\b|\b(?:promo|promotion|discount|coupon|voucher)\s+codes?\b"
    # "two for the price of one", "3 for 2"
    r"|\b[\w#]+\s+for\s+the\s+price\s+of\s+(?:\d+|one|two|three|a|an)\b"
    r"|\b\d+\s+for\s+\d+\b(?!\s*(?:people|persons|guests|hours?|minutes?|days?|nights?|weeks?|pm|am|o'clock)\b)"
    # "save 20%", "save €5", "save up to half"
    r"|\bsav(?:e|es|ing)\s+(?:up\s+to\s+|over\s+|about\s+|around\s+|an?\s+(?:extra\s+)?)?(?:\d|" + _SIGN
    + r"|half|a\s+third|a\s+quarter|money|big|more\s+than)"
    # "half off", "€5 off", "5 euros off", "20 percent off"
    r"|(?:%|percent|per\s+cent|\bhalf|\ba\s+third|\ba\s+quarter|\d|" + _SIGN + r"|\b" + _MAJOR_WORD + r")\s*off\b"
    # "buy 2 get 1 free", "get your second one half price"
    r"|\bbuy\s+" + _COUNT + r"\b[^.!?\n]{0,40}?\bget\b"
    r"|\bget\s+" + _COUNT + r"\s+(?:[a-z#]+\s+){0,2}(?:free|for\s+free|half[\s-]+price|on\s+us|for\s+nothing)\b"
    # "the drinks are on us" (not "count on us", "rely on us")
    r"|(?<!\brely\s)(?<!\bcount\s)(?<!\bdepend\s)(?<!\bdepends\s)(?<!\bcall\s)(?<!\blean\s)(?<!\bbank\s)"
    r"(?<!\brelying\s)(?<!\bcounting\s)(?<!\bdepending\s)(?<!\bcalling\s)(?<!\bwait\s)(?<!\bwaiting\s)\bon\s+us\b"
    # "enter the code WELCOME10" (not a zip code or postcode; "code HEARTH" is _CODE_TOKEN)
    r"|(?<!\bzip\s)(?<!\bpost\s)(?<!\bpostal\s)(?<!\barea\s)\bcode\s*[:=]?\s*[\"'\u201c\u2018]?[a-z]*\d+[a-z\d]*\b"
    r"|\bthrow(?:s|ing)?\s+in\b|\bthrown\s+in\b|\bwaiv(?:e|es|ed|ing)\b|\bfreebies?\b|\bhappy\s+hour\b"
)
# Offer words a reply may use to say there is none ("we don't do discounts").
_OFFER_WORDS = re.compile(r"\b(?:discount(?:s|ed)?|coupons?|vouchers?|promo(?:tion)?s?|promotional|special\s+offers?|"
                          r"loyalty\s+(?:discounts?|rewards?|points)|reduced\s+price|price\s+cut|deals?(?!\s+(?:with|of)\b))\b")
# "use code HEARTH": a code word in capitals, read on the text as written
_CODE_TOKEN = re.compile(r"(?i)(?<!\bzip\s)(?<!\bpost\s)(?<!\bpostal\s)(?<!\bdress\s)(?<!\barea\s)\bcode\s*[:=]?\s*"
                         r"[\"'\u201c\u2018]?(?-i:(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{2,})\b")
_OFFER_NEGATED = re.compile(r"\b(?:no|not|never|don't|doesn't|do\s+not|can't|cannot|won't|aren't|isn't)\b|n't\b")


def _is_offer(masked: str, amounts: Iterable[_Amount] = (), sentence: str = "") -> bool:
    if _DISCOUNT.search(masked) or _CODE_TOKEN.search(sentence):
        return True
    if any(amount.value == 0 for amount in amounts):  # "€0.00 delivery", "zero euros": free is an offer
        return True
    for match in _OFFER_WORDS.finditer(masked):
        if not _OFFER_NEGATED.search(masked[:match.start()]):
            return True
    for match in _FREE_OFFER.finditer(masked):
        free_at = masked.find("free", match.start(), match.end())
        if free_at >= 0 and _FREE_COMPOUND.search(masked[match.start():free_at]):
            continue
        return True
    return False


_PRICE_LINK = re.compile(r"^(?:[\s:()=,-]|\b(?:is|are|was|costs?|priced|at|for|only|just|now|it's|the|price|of|"
                         r"a|an|each|per|portion|starts|from|around|about)\b)*$")
_SUM_WORDS = re.compile(r"\b(?:together|total|altogether|combined|in\s+all|comes?\s+to|adds?\s+up|makes?|sum)\b")
_PRICE_CUE_BEFORE = re.compile(r"\b(?:costs?|priced\s+at|price\s+(?:is|of)|for\s+(?:just|only)|only|just|"
                               r"total(?:\s+is)?|each|per)\s*[:=]?\s*$")


def _attached_dish(amount: _Amount, groups: list[tuple[int, int, tuple[DishFacts, ...]]],
                   amounts: list[_Amount], masked: str) -> Optional[DishFacts]:
    """The one dish an amount is written right after ("Pad Thai: €14.50", "the Coke is €2.50"), if any."""
    before = [group for group in groups if group[1] <= amount.start]
    if not before or len(before[-1][2]) != 1:
        return None
    if len({dish for group in groups for dish in group[2]}) > 1 and _SUM_WORDS.search(masked):
        return None  # "A Pad Thai with a Coke comes to €X": a sum, not the Coke's price
    gap_start = before[-1][1]
    if any(gap_start <= other.start < amount.start for other in amounts):
        return None
    gap = masked[gap_start:amount.start]
    if len(gap.split()) > 5 or not _PRICE_LINK.match(gap):
        return None
    return before[-1][2][0]


def _weak_is_price(amount: _Amount, groups: list[tuple[int, int, tuple[DishFacts, ...]]],
                   amounts: list[_Amount], masked: str) -> bool:
    """A bare "9.99" is money when written as a dish's price ("Pad Thai: 9.99") or after "costs", "only"."""
    return bool(_attached_dish(amount, groups, amounts, masked) or _PRICE_CUE_BEFORE.search(masked[:amount.start]))


def _dish_pairs(dish: DishFacts, facts: FactSheet) -> set[tuple[str, Decimal]]:
    pairs = {(dish.currency, amount) for amount in dish.allowed_amounts()}
    return pairs | {(facts.currency, _cents(amount)) for amount in facts.extra_amounts}


# --------------------------------------------------------------------------- web addresses

_LINKIFY = LinkifyIt()
_ADDRESS = re.compile(r"(?i)\b(?:https?|ftp|mailto|tel|javascript|data):\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _link_key(link: str) -> str:
    link = link.strip().rstrip(".,;:!?)]}'\"").lower()
    link = re.sub(r"^(?:https?:)?//", "", link)
    return re.sub(r"^www\.", "", link).rstrip("/")


def find_links(text: str) -> list[str]:
    """Web and e-mail addresses in a text, as written (what a chat widget may turn into a link)."""
    found: list[tuple[int, int]] = []
    for match in _LINKIFY.match(text) or []:
        found.append((match.index, match.last_index))
    for match in _ADDRESS.finditer(text):
        if not any(start < match.end() and match.start() < end for start, end in found):
            found.append((match.start(), match.end()))
    return [text[start:end].rstrip(".,;:!?)]}'\"") for start, end in sorted(found)]


def _foreign_links(sentence: str, facts: FactSheet) -> list[str]:
    allowed = {_link_key(link) for link in facts.links}
    return [link for link in find_links(sentence) if _link_key(link) not in allowed]


# --------------------------------------------------------------------------- check_claims


def check_claims(text: str, facts: FactSheet) -> Checked:
    """Check money, allergen and dietary claims sentence by sentence against `facts`.

    Wrong allergen/dietary claims about a known dish become the backend fact; safety promises about
    no known dish, offers (free, discounts, codes, a zero price), web addresses not in `facts.links`
    and unplaceable prices are removed; a wrong price next to exactly one dish becomes that dish's
    price. Amounts are found in any currency and in words ("seven euros fifty", "999 cents", "CHF 9.99",
    "costs fourteen fifty"); another currency than the menu's is never right. An amount written right
    after one dish name ("Pad Thai: €X", "the Coke is €X"), or in a sentence naming only one dish, must
    be one of that dish's own amounts (or an extra amount); any other amount may be any allowed amount
    of the sheet. Everything else is left exactly as written: `guard_reply` makes the text plain first.
    """
    lead, segments = _segments(text)
    allowed = facts.allowed()
    corrections: list[Correction] = []
    removed: set[int] = set()
    context: tuple[DishFacts, ...] = ()
    for index, (sentence, _separator) in enumerate(segments):
        known, unknown, new_context, masked, hits = _analyse(sentence, facts, context)
        pronoun_context = context
        context = new_context
        groups = _groups(hits, masked)
        amounts = _amounts(_fold(sentence), facts.currency)
        strong = [amount for amount in amounts if not amount.weak]
        amounts = [amount for amount in amounts if not amount.weak or _weak_is_price(amount, groups, strong, masked)]

        if _is_offer(masked, amounts, sentence):
            corrections.append(Correction("free_offer", sentence, None))
            removed.add(index)
            continue

        wrong: list[str] = []
        kinds: list[str] = []
        for claim in known:
            for dish in claim.dishes:
                fact = _fact(claim, dish)
                if fact and fact not in wrong:
                    wrong.append(fact)
                    kinds.append(claim.kind)
        if wrong:
            bullet = _BULLET.match(sentence)
            replacement = (bullet.group(0) if bullet else "") + " ".join(wrong)
            kind: CorrectionKind = "allergen" if "allergen" in kinds else "dietary"
            corrections.append(Correction(kind, sentence, replacement))
            segments[index][0] = replacement
            continue
        bad = [claim for claim in unknown if _unverifiable(claim)]
        if bad:
            corrections.append(Correction(bad[0].kind, sentence, None))
            removed.add(index)
            continue
        if _foreign_links(sentence, facts):  # the widget would make it clickable: only the backend's own
            corrections.append(Correction("link", sentence, None))
            removed.add(index)
            continue

        attached_wrong: list[tuple[_Amount, DishFacts]] = []
        loose_wrong: list[_Amount] = []
        distinct = list(dict.fromkeys(dish for _, _, dish in hits))
        is_sum = bool(_SUM_WORDS.search(masked))
        if is_sum and amounts and distinct:
            # "Two Margheritas come to €X in total": a total must be one the backend computed
            # (handed in as an extra amount) or a named dish's own amount; a guessed sum goes.
            totals = {(facts.currency, _cents(a)) for a in facts.extra_amounts}
            own = set().union(*(_dish_pairs(dish, facts) for dish in distinct))
            if any((a.currency, a.value) not in totals | own for a in amounts):
                corrections.append(Correction("price", sentence, None))
                removed.add(index)
                continue
        sole = distinct[0] if len(distinct) == 1 and not is_sum else None
        for amount in amounts:
            # "The Pad Thai is €X" or a sentence about one dish only: X must be that dish's own amount
            dish = _attached_dish(amount, groups, amounts, masked) or sole
            if dish is not None:  # "The Pad Thai is €X": X must be one of the Pad Thai's own amounts
                if (amount.currency, amount.value) not in _dish_pairs(dish, facts):
                    attached_wrong.append((amount, dish))
            elif (amount.currency, amount.value) not in allowed:
                loose_wrong.append(amount)
        if loose_wrong:
            named = list(dict.fromkeys(dish for _, _, dish in hits))
            if not named and _PRONOUN.search(masked):
                named = list(pronoun_context or tuple(d for d in (facts.subject,) if d is not None))
            if len(named) != 1 or len(loose_wrong) > 1 or attached_wrong:
                corrections.append(Correction("price", sentence, None))
                removed.add(index)
                continue
            attached_wrong.append((loose_wrong[0], named[0]))
        for amount, dish in sorted(attached_wrong, key=lambda pair: pair[0].start, reverse=True):
            price = money(dish.price, dish.currency)
            corrections.append(Correction("price", sentence[amount.start:amount.end], price))
            sentence = sentence[:amount.start] + price + sentence[amount.end:]
        segments[index][0] = sentence
    return Checked(_join(lead, segments, removed), corrections)


# --------------------------------------------------------------------------- leaks and injection

_LEAK_PHRASES = re.compile(
    r"\bsystem\s+(?:prompt|message|instructions?)\b|\bmy\s+(?:instructions|prompt|guidelines)\s+(?:are|say|tell)\b"
    r"|\bi(?:\s+was|\s+have\s+been|\s+am|'ve\s+been)\s+(?:instructed|programmed)\s+to\b|\bdeveloper\s+message\b"
    r"|\bhidden\s+instructions\b"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", _fold(text))


def leaks_instructions(text: str, system_prompt: str, *, shingle: int = 8) -> bool:
    """True if `text` repeats `shingle` consecutive words of the prompt, or talks about its instructions.

    Pass the instruction part of the prompt, not the menu/policy facts injected into it (those may be
    quoted legitimately).
    """
    if _LEAK_PHRASES.search(_fold(text)):
        return True
    prompt = _words(system_prompt)
    size = min(shingle, len(prompt))
    if size < 4:
        return False
    grams = {tuple(prompt[i:i + size]) for i in range(len(prompt) - size + 1)}
    words = _words(text)
    return any(tuple(words[i:i + size]) in grams for i in range(len(words) - size + 1))


_RULE_NOUNS = (r"(?:rules|instructions?|guidelines|directives|directions|prompts?|programming|restrictions|"
               r"guardrails|constraints|filters|safeguards)")
_FILLER = (r"(?:(?:all|any|of|your|the|my|these|those|previous|previously|prior|above|earlier|preceding|original|"
           r"initial|system|current|existing|every|following|safety|given|old|other|its|their)\s+){0,4}")
_SECRET_ADJ = r"(?:(?:full|exact|original|initial|hidden|secret|complete|entire|whole)\s+)*"
_DE_FILL = r"(?:(?:alle|alles|die|deine|ihre|vorherigen|bisherigen|obigen|vorigen|der|den|dem|system)\s+){0,3}"
_NL_FILL = r"(?:(?:alle|al|je|jouw|de|het|eerdere|vorige|voorgaande|bovenstaande|systeem)\s+){0,3}"
_FR_FILL = r"(?:(?:toutes|toute|tous|les|tes|vos|mes|ces|des|la|le|de)\s+){0,3}"
_ES_FILL = r"(?:(?:todas|todos|toda|las|los|tus|sus|mis|estas|esas|de|el|la)\s+){0,3}"
_INJECTION = re.compile("|".join([
    # English
    r"\b(?:ignore|disregard|forget|override|bypass|skip|drop|abandon)\s+" + _FILLER + _RULE_NOUNS + r"\b",
    r"\b(?:ignore|disregard|forget)\s+(?:everything|all)\s+(?:you\s+(?:were|have\s+been|'ve\s+been)\s+"
    r"(?:told|instructed|taught|given)|(?:of\s+)?(?:the\s+)?above|before\s+this)",
    r"\b(?:print|show|reveal|repeat|display|output|dump|leak|share|expose|tell|give|what\s+(?:is|are|were))"
    r"\s+(?:me\s+|us\s+)?(?:all\s+)?(?:of\s+)?(?:your\s+" + _SECRET_ADJ + r"(?:system\s+)?(?:prompt|instructions|"
    r"system\s+message|rules\s+you\s+(?:were|have\s+been)\s+given)|the\s+" + _SECRET_ADJ + r"(?:system\s+)?"
    r"(?:prompt|system\s+message))\b",
    r"\b(?:repeat|print|output)\s+(?:everything|all|the\s+text|the\s+words)\s+above\b",
    r"\bsystem\s+(?:prompt|instructions|message)\b|\b(?:hidden|secret)\s+(?:prompt|instructions)\b",
    r"\binitial\s+prompt\b",
    r"\byou\s+are\s+now\s+(?:a|an|in|no\s+longer|free|unrestricted|dan|jailbroken|called|named|going\s+to)\b",
    r"\bfrom\s+now\s+on,?\s+you\s+(?:are|will|must|shall|should|can)\b",
    r"\b(?:developer|dev|debug|god|admin|sudo|unrestricted|dan)\s+mode\b",
    r"\bjail\s?break\w*\b|\bdo\s+anything\s+now\b",
    r"\bpretend\s+(?:that\s+)?(?:you\s+are|you're|to\s+be|you\s+have\s+no)\b",
    r"(?:^|[.!?]\s*|\b(?:you|please|now|will\s+you|can\s+you|could\s+you)\s+)act\s+as\s+(?:if|though|an?|my|the)\b",
    r"\brole[\s-]?play\s+as\b",
    r"\bnew\s+(?:instructions|system\s+prompt|directives)\b",
    r"\b(?:you\s+have|there\s+are)\s+no\s+(?:rules|restrictions|limits|filters)\b",
    r"\bno\s+longer\s+bound\s+by\b|\bwithout\s+(?:any\s+)?(?:restrictions|filters|censorship)\b",
    r"(?:^|\n)\s*(?:system|assistant|developer)\s*:|<\|\w+\|>|\[/?inst\]|<<\s*sys\s*>>",
    # German
    r"\bignorier\w*\s+" + _DE_FILL + r"(?:anweisungen|regeln|instruktionen|vorgaben|befehle|anordnungen)\b",
    r"\bvergiss\s+" + _DE_FILL + r"(?:anweisungen|regeln|instruktionen|vorgaben)\b",
    r"\b(?:zeig\w*|verrat\w*|wiederhol\w*|gib)\s+(?:mir\s+)?(?:deine\w*|den|die)\s+(?:system\s?-?prompt|prompt|"
    r"anweisungen|instruktionen)\b",
    r"\bdu\s+bist\s+(?:jetzt|nun|ab\s+sofort)\s+(?:ein|eine|im|kein|frei)\b|\bentwicklermodus\b",
    # Dutch
    r"\bnegeer\s+" + _NL_FILL + r"(?:instructies|regels|opdrachten|aanwijzingen|prompt)\b",
    r"\bvergeet\s+" + _NL_FILL + r"(?:instructies|regels|opdrachten|aanwijzingen)\b",
    r"\b(?:toon|laat\s+(?:me\s+)?zien|herhaal|geef)\s+(?:me\s+)?(?:je|jouw|de)\s+(?:systeem\s?prompt|prompt|"
    r"instructies)\b",
    r"\bje\s+bent\s+(?:nu|vanaf\s+nu)\s+(?:een|in|geen|vrij)\b|\bontwikkelaarsmodus\b",
    # French
    r"\bignore[rsz]?\s+" + _FR_FILL + r"(?:instructions|regles|consignes|directives)\b",
    r"\boublie[rsz]?\s+" + _FR_FILL + r"(?:instructions|regles|consignes|directives)\b",
    r"\b(?:montre|affiche|revele|repete|donne)[rsz]?(?:-moi)?\s+(?:moi\s+)?(?:ton|ta|tes|votre|vos|le|les)\s+"
    r"(?:prompt|instructions|consignes|message\s+systeme)\b",
    r"\btu\s+es\s+(?:maintenant|desormais)\s+(?:un|une|en|libre)\b|\bmode\s+developpeur\b",
    # Spanish
    r"\bignora[r]?\s+" + _ES_FILL + r"(?:instrucciones|reglas|normas|indicaciones)\b",
    r"\bolvida[r]?\s+" + _ES_FILL + r"(?:instrucciones|reglas|normas|indicaciones)\b",
    r"\b(?:muestra|ensena|revela|repite|dime)(?:me)?\s+(?:tu|tus|el|las|sus)\s+(?:prompt|instrucciones|"
    r"mensaje\s+del\s+sistema)\b",
    r"\bahora\s+eres\s+(?:un|una|libre)\b|\bmodo\s+desarrollador\b",
]))


def looks_like_injection(message: str) -> bool:
    """True for guest messages that try to override or extract the assistant's instructions."""
    folded = re.sub(r"[ \t]+", " ", _fold(message))
    return bool(_INJECTION.search(folded))


# --------------------------------------------------------------------------- plain text

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")
_MARKDOWN_CHARS = re.compile(r"[*_`\[\]<>&\\~!]")
_KEYCAP = frozenset("\ufe0e\ufe0f\u20e3")
_KEEP_AS_IS = frozenset("\u2026\u2022\u2013\u2014\u2018\u2019\u201c\u201d")  # … • – — ‘ ’ “ ”


def _plain_chars(text: str) -> str:
    """What the guest's screen shows, character by character: no invisible characters (zero-width
    spaces, soft hyphens, direction marks), one kind of space, ASCII digits and ASCII look-alikes
    (fullwidth `９`, `＄`) as ASCII. Emoji, accents, € and the like stay."""
    out: list[str] = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        category = unicodedata.category(char)
        if char in _KEYCAP and out and out[-1][-1:] in "0123456789#*":
            continue  # "9\ufe0f\u20e3" (a keycap emoji) reads as 9
        if char in "\n\t" or char.isascii() and category != "Cc":
            out.append(char)
        elif category in ("Cf", "Cc", "Cs", "Co", "Cn"):
            continue
        elif category in ("Zl", "Zp"):
            out.append("\n")
        elif category == "Zs":
            out.append(" ")
        elif category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif char in _KEEP_AS_IS:
            out.append(char)
        else:
            compat = unicodedata.normalize("NFKC", char)
            out.append(compat if len(compat) == 1 and compat.isascii() and compat.isprintable() else char)
    return "".join(out)


def _inline_plain(line: str) -> str:
    """One line's inline markdown (emphasis, code, links, images, HTML tags, escapes, entities) as the
    text a markdown renderer shows; link targets are dropped, autolinks keep their address."""
    if not _MARKDOWN_CHARS.search(line):
        return line
    out: list[str] = []
    for token in _MARKDOWN.parseInline(line):
        for child in token.children or []:
            if child.type in ("text", "code_inline", "image"):
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append("\n")
    return "".join(out)


def _strip_once(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if re.match(r"^\s*(?:```|~~~)", line) or re.fullmatch(r"\s*([-*_])(?:\s*\1){2,}\s*", line):
            continue
        line = re.sub(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", r"\1", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = re.sub(r"^(\s*)[*+]\s+", r"\1• ", line)
        bullet = re.match(r"^\s*(?:[\u2022-]|\d+[.)])\s+", line)  # a list marker is not markdown to render
        head = bullet.group(0) if bullet else ""
        lines.append(head + _inline_plain(line[len(head):]))
    return "\n".join(lines).replace("**", "").replace("__", "")


def strip_markdown(text: str) -> str:
    """Plain text for the chat: no emphasis, headings, code fences, HTML or links; `•`/`-` bullets stay.

    Stripped until nothing changes, so what is left reads the same in a widget that renders markdown
    and in one that shows text (`\\*\\*€\\*\\*3` is `€3` either way)."""
    for _ in range(5):
        stripped = _strip_once(text)
        if stripped == text:
            break
        text = stripped
    return text


def plain_text(text: str) -> str:
    """The text exactly as the guest will read it, before any check: entities decoded, invisible
    characters gone, markdown rendered to plain text, a currency sign joined to the amount on the
    next line, runs of spaces collapsed."""
    text = strip_markdown(_plain_chars(html.unescape(_plain_chars(text))))
    text = re.sub(r"(" + _SIGN + r")[^\S\n]*\n\s*(?=\d)", r"\1", text)
    text = re.sub(r"(\d)[^\S\n]*\n\s*(?=" + _SIGN + r")", r"\1 ", text)
    return _collapse(text)


# --------------------------------------------------------------------------- personality


@dataclass
class Personality:
    """House style applied to every LLM answer (edited in llm/personality.yml)."""

    name: str = "Harbour & Hearth"
    tone: list[str] = field(default_factory=list)
    replacements: dict[str, str] = field(default_factory=dict)
    banned_phrases: list[str] = field(default_factory=list)
    max_sentences: int = 6
    max_chars: int = 700
    fallback_text: str = "Sorry, I'm not sure about that. Would you like me to ask a member of our team?"


def load_personality(path: Path = PERSONALITY_FILE) -> Personality:
    """Read the personality file; unknown keys are an error so typos do not pass silently."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    known = set(Personality.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    personality = Personality(**data)
    personality.tone = [str(note) for note in personality.tone or []]
    personality.replacements = {str(k): str(v) for k, v in (personality.replacements or {}).items()}
    personality.banned_phrases = [str(phrase) for phrase in personality.banned_phrases or []]
    personality.max_sentences = int(personality.max_sentences)
    personality.max_chars = int(personality.max_chars)
    if personality.max_sentences < 1 or personality.max_chars < 40 or not personality.fallback_text.strip():
        raise ValueError(f"{path}: max_sentences >= 1, max_chars >= 40 and a fallback_text are required")
    return personality


@lru_cache(maxsize=1)
def _default_personality() -> Personality:
    return load_personality()


def _case_like(template: str, word: str) -> str:
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _collapse(text: str) -> str:
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _house_style(text: str, personality: Personality) -> str:
    """No banned phrases, the house words; whitespace collapsed."""
    banned = [re.sub(r"\s+", " ", _fold(phrase)).strip() for phrase in personality.banned_phrases]
    lead, segments = _segments(text)
    folded = [re.sub(r"\s+", " ", _fold(sentence)) for sentence, _ in segments]
    removed = {index for index, sentence in enumerate(folded) if any(phrase and phrase in sentence for phrase in banned)}
    text = _join(lead, segments, removed)
    if personality.replacements:
        table = {key.lower(): value for key, value in personality.replacements.items()}
        pattern = re.compile(r"\b(?:" + "|".join(re.escape(key) for key in sorted(table, key=len, reverse=True))
                             + r")\b", re.IGNORECASE)
        text = pattern.sub(lambda m: _case_like(m.group(0), table[m.group(0).lower()]), text)
    return _collapse(text)


def _trim(text: str, personality: Personality) -> str:
    """At most max_sentences whole sentences and max_chars characters."""
    lead, segments = _segments(text)
    kept: list[list[str]] = []
    length = 0
    for sentence, separator in segments[: personality.max_sentences]:
        if length + len(sentence) > personality.max_chars:
            if not kept:  # one huge sentence: cut at a word boundary
                cut = sentence[: personality.max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
                kept.append([cut + "\u2026", ""])
            break
        kept.append([sentence, separator])
        length += len(sentence) + len(separator)
    return "".join(sentence + separator for sentence, separator in kept).strip()


def apply_personality(text: str, personality: Personality) -> str:
    """Plain text, no banned phrases, house words, at most max_sentences/max_chars; fallback if empty."""
    return _trim(_house_style(plain_text(text), personality), personality) or personality.fallback_text


# --------------------------------------------------------------------------- all together


def guard_reply(text: str, facts: FactSheet, *, system_prompt: Optional[str] = None,
                personality: Optional[Personality] = None, leak_text: Optional[str] = None,
                partial: bool = False) -> Checked:
    """What the guest may read of an LLM text: the one pipeline every reply (and streamed preview) takes.

    1. A reply that repeats the instructions becomes `leak_text` (default: the personality's fallback).
    2. It is turned into the plain text the guest would see (`plain_text`) and given the house style,
       so that every check below runs on the very characters shown.
    3. Money, offers, allergen and dietary claims and web addresses are checked (`check_claims`).
    4. It is cut to the personality's length, and checked again until the check changes nothing
       (removing a sentence can change what "it" refers to).
    Nothing left gives the fallback text; with `partial` (a preview while the LLM still writes) it
    gives "" instead, and no fallback or leak text is ever shown as a preview.
    """
    personality = personality or _default_personality()
    plain = _house_style(plain_text(text), personality)
    if system_prompt and (leaks_instructions(text, system_prompt) or leaks_instructions(plain, system_prompt)):
        shown = "" if partial else (leak_text or personality.fallback_text)
        return Checked(shown, [Correction("leak", text, None)])
    checked = check_claims(plain, facts)
    corrections = list(checked.corrections)
    shown = _trim(checked.text, personality)
    for _ in range(3):
        again = check_claims(shown, facts)
        if not again.changed:
            break
        corrections += again.corrections
        shown = _trim(again.text, personality)
    else:
        shown = ""  # it never settled: show nothing rather than an unchecked text
    if not shown:
        shown = "" if partial else personality.fallback_text
    return Checked(shown, corrections)
