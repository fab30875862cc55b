"""Money in a text (any currency, digits or words) and offers (free, discounts, codes)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from text_to_num import alpha2digit, text2num

from llm.guard.facts import DishFacts, FactSheet, to_cents
from llm.guard.sentences import alternation, fold
from vocabulary import CURRENCY_SYMBOLS

_NUMBER = r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?:,\d{1,2})?|\d+(?:[.,]\d{1,2})?)"
_AFTER_NUMBER = r"(?![\d]|[.,]\d)"
_GAP = r"[^\S\n]*"  # spaces, never a line break
# Every currency sign Unicode knows (category Sc: € $ £ ¥ ₹ ₽ ₩ ₺ ¢ ...), as fold leaves them.
_SIGNS = "".join(
    sorted(
        {
            folded
            for code in range(0x20, 0x10000)
            if unicodedata.category(chr(code)) == "Sc"
            for folded in (chr(code), fold(chr(code)))
            if not folded.isalnum()
        }
    )
)
SIGN = "[" + re.escape(_SIGNS) + "]"
# ISO 4217 codes written before or after an amount (English words such as "try", "all", "mad" left out).
_ISO_CODES = (
    "eur",
    "usd",
    "gbp",
    "chf",
    "jpy",
    "cny",
    "rmb",
    "inr",
    "aud",
    "cad",
    "nzd",
    "sek",
    "nok",
    "dkk",
    "pln",
    "czk",
    "huf",
    "bgn",
    "rub",
    "zar",
    "brl",
    "mxn",
    "sgd",
    "hkd",
    "krw",
    "thb",
    "aed",
    "sar",
    "ils",
    "egp",
    "ngn",
    "kes",
    "php",
    "idr",
    "myr",
    "vnd",
    "ars",
    "clp",
    "twd",
    "isk",
    "uah",
    "kzt",
    "qar",
    "kwd",
    "bhd",
    "omr",
    "jod",
    "lkr",
    "pkr",
    "bdt",
)
_CODE_BEFORE = alternation((*_ISO_CODES, "sfr", "fr.", "rs.", "rs", "kr.", "kr", "zl"))
_WORD_AFTER = alternation(
    (
        *_ISO_CODES,
        "euros",
        "euro",
        "dollars",
        "dollar",
        "bucks",
        "pounds",
        "pound",
        "quid",
        "francs",
        "franc",
        "yen",
        "yuan",
        "renminbi",
        "rupees",
        "rupee",
        "rupiah",
        "kronor",
        "kroner",
        "krona",
        "krone",
        "kr",
        "zlotys",
        "zloty",
        "dirhams",
        "dirham",
        "dinars",
        "dinar",
        "riyals",
        "riyal",
        "rials",
        "rial",
        "rubles",
        "ruble",
        "roubles",
        "rouble",
        "shekels",
        "shekel",
        "baht",
        "ringgit",
        "forint",
        "lei",
        "leva",
        "hryvnias",
        "hryvnia",
        "pesos",
        "peso",
        "reais",
        "lira",
        "lire",
    )
)
_MAJOR_WORD = r"(?:euros?|eur|dollars?|usd|bucks|pounds?|gbp|quid)"
_MINOR_WORD = r"(?:cents?|ct|eurocents?|pence|p)"
_NUM_WORDS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
    "hundred",
    "thousand",
)
_NUM_WORD = "(?:" + "|".join(sorted(_NUM_WORDS, key=len, reverse=True)) + r")(?![\w])"
# "seven", "twenty-three", "a hundred and twenty", "nine ninety-nine" (read with text2num, see _word_amount)
_SPELLED = (
    r"(?<![\w-])(?:a\s+(?=hundred|thousand))?"
    + _NUM_WORD
    + r"(?:(?:[\s-]+and[\s-]+|[\s-]+)"
    + _NUM_WORD
    + r")*"
)
_HALF = r"(?P<half>\s+and\s+a\s+half)?"
_NOT_A_UNIT = (
    r"(?!\s*(?:minutes?|mins?|hours?|hrs?|days?|weeks?|people|persons|guests|pieces|slices|items|dishes|"
    r"portions|stars?|km|kilomet\w*|miles?|kg|grams?|g\b|ml|litres?|liters?|cm|%|percent))"
)
# Phrases that make the number after them a price even with no currency: "costs 12", "for just fourteen fifty".
_PRICE_CUE = (
    r"\b(?:costs?|priced\s+at|price\s+(?:is|of)|for\s+(?:just|only)|(?:is|are|it's|its|they're)\s+"
    r"(?:just|only))\s+"
)
_TIME_CUE = re.compile(
    r"\b(?:at|from|until|till|til|to|by|before|after|between|and|open|opens|opening|close|closes|"
    r"closing|since|around)\s*$|[-\u2013]\s*$"
)

# (pattern, how to read it), most specific first: an amount found earlier wins an overlap.
_MONEY_RES: list[tuple[re.Pattern[str], str]] = [
    # "seven euros fifty", "twelve euros and fifty cents", "seven and a half euros", "twenty quid"
    (
        re.compile(
            r"(?P<words>" + _SPELLED + r")" + _HALF + r"\s*(?P<code>" + _WORD_AFTER + r")(?![\w])"
            r"(?:\s+(?:and\s+)?(?P<minor>"
            + _SPELLED
            + r"|\d{1,2}(?!\d))(?:\s*"
            + _MINOR_WORD
            + r"(?![\w]))?"
            + _NOT_A_UNIT
            + r")?"
        ),
        "words",
    ),
    # "9 euros 99", "9 euros and 99 cents"
    (
        re.compile(
            r"(?<![\d.,])(?P<num>\d+)" + _GAP + r"(?P<code>" + _MAJOR_WORD + r")\s+(?:and\s+)?"
            r"(?P<minor>\d{1,2})(?![\d]|[.,]\d)(?:\s*" + _MINOR_WORD + r"(?![\w]))?" + _NOT_A_UNIT
        ),
        "major_minor",
    ),
    (re.compile(r"(?P<cur>" + SIGN + r")" + _GAP + _NUMBER + _AFTER_NUMBER), "digits"),
    (re.compile(r"(?<![\w$])(?P<code>" + _CODE_BEFORE + r")" + _GAP + _NUMBER + _AFTER_NUMBER), "digits"),
    (re.compile(r"(?<![\d.,])" + _NUMBER + _AFTER_NUMBER + _GAP + r"(?P<cur>" + SIGN + r")"), "digits"),
    (
        re.compile(
            r"(?<![\d.,])" + _NUMBER + _AFTER_NUMBER + _GAP + r"(?P<code>" + _WORD_AFTER + r")(?![\w])"
        ),
        "digits",
    ),
    # "999 cents", "50p", "fifty cents"
    (
        re.compile(
            r"(?<![\d.,])(?P<num>\d+)(?:" + _GAP + r"(?P<minor>cents?|ct|eurocents?|pence)|(?P<p>p))(?![\w])"
        ),
        "minor",
    ),
    (re.compile(r"(?P<words>" + _SPELLED + r")\s*(?P<minor>cents?|pence)(?![\w])"), "minor_words"),
    # "€ fourteen"
    (re.compile(r"(?P<cur>" + SIGN + r")" + _GAP + r"(?P<words>" + _SPELLED + r")" + _HALF), "words"),
    # "costs 10", "for just fourteen fifty", "is only nine ninety-nine"
    (re.compile(_PRICE_CUE + _NUMBER + _AFTER_NUMBER + r"(?!\s*[a-z%" + re.escape(_SIGNS) + r"])"), "digits"),
    (
        re.compile(
            _PRICE_CUE
            + r"(?P<words>"
            + _SPELLED
            + r")"
            + _HALF
            + r"(?!\s*(?!(?:each|apiece|per|today|tonight|now)\b)[a-z%])"
        ),
        "words",
    ),
    # "The Pad Thai is 9.99": a bare amount with cents, a price only next to a dish (see weak_is_price)
    (
        re.compile(
            r"(?<![\d.,:\w])(?P<num>\d{1,4}[.,]\d{2})(?![\d]|[.,]\d)(?!"
            + _GAP
            + r"(?:am|pm|a\.m|p\.m|h|hrs?|hours?|uur|o'clock|stars?|km|kilomet\w*|miles?|kg|g|grams?|ml|l|"
            r"litres?|liters?|cm|mm|m|%|percent|minutes?|mins?|kcal|cal|calories|x)(?![a-z]))"
        ),
        "weak",
    ),
]
# the signs the restaurant writes (vocabulary.CURRENCY_SYMBOLS), then how else a text may name a currency
_CURRENCY_OF = {
    **{sign: code for code, sign in CURRENCY_SYMBOLS.items()},
    "¥": "JPY",
    "₹": "INR",
    "¢": "USD",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "pence": "GBP",
    "p": "GBP",
    "sfr": "CHF",
    "fr.": "CHF",
    "franc": "CHF",
    "francs": "CHF",
    "yen": "JPY",
    "yuan": "CNY",
    "renminbi": "CNY",
    "rmb": "CNY",
    "rs": "INR",
    "rs.": "INR",
    "rupee": "INR",
    "rupees": "INR",
    "zl": "PLN",
    "zloty": "PLN",
    "zlotys": "PLN",
}


def _currency(marker: str | None, default_currency: str) -> str:
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


def _spelled_groups(words: str) -> list[int] | None:
    """ "nine ninety-nine" -> [9, 99], "a hundred and twenty" -> [120] (text2num does the reading)."""
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


def _word_amount(words: str, half: bool = False) -> Decimal | None:
    """A spelled-out amount: "seven" 7, "fourteen fifty" 14.50, "seven and a half" 7.50; None if unclear."""
    groups = _spelled_groups(words)
    if groups is None or len(groups) > 2 or (len(groups) == 2 and (groups[1] >= 100 or half)):
        return None
    value = Decimal(groups[0]) + (Decimal(groups[1]) / 100 if len(groups) == 2 else 0)
    return value + (Decimal("0.50") if half else 0)


@dataclass
class Amount:
    start: int
    end: int
    currency: str
    value: Decimal  # -1 when it is money that could not be read: never an allowed amount
    weak: bool = False  # a bare "9.99": money only when written as a dish's price (see weak_is_price)


def find_amounts(text: str, default_currency: str = "EUR") -> list[tuple[str, str, Decimal]]:
    """Money amounts in a text as (as written, currency, value); bare numbers like "9.99" are not included."""
    found = read_amounts(fold(text), default_currency)
    return [(text[a.start : a.end], a.currency, a.value) for a in found if not a.weak]


def _read(match: re.Match[str], how: str, default_currency: str) -> Amount | None:
    groups = match.groupdict()
    marker = groups.get("cur") or groups.get("code")
    currency = _currency(marker, default_currency)
    start, unknown = match.start(), Decimal(-1)
    value: Decimal | None  # None: words that do not read as an amount (then `unknown`)
    if how == "digits":
        value = to_cents(_parse_number(match.group("num")))
        if not marker:  # "costs 10": the amount starts at the number
            start = match.start("num")
        if marker == "¢":
            value = to_cents(value / 100)
        return Amount(start, match.end(), currency, value)
    if how == "major_minor":
        value = Decimal(match.group("num")) + Decimal(match.group("minor")) / 100
        return Amount(start, match.end(), currency, to_cents(value))
    if how == "minor":
        currency = "GBP" if groups.get("p") or groups.get("minor") == "pence" else default_currency
        return Amount(start, match.end(), currency, to_cents(Decimal(match.group("num")) / 100))
    if how == "minor_words":
        value = _word_amount(match.group("words"))
        currency = "GBP" if groups.get("minor") == "pence" else default_currency
        return Amount(start, match.end(), currency, to_cents(value / 100) if value is not None else unknown)
    if how == "words":
        value = _word_amount(match.group("words"), half=bool(groups.get("half")))
        minor = groups.get("minor")
        if value is not None and minor:
            cents = int(minor) if minor.isdigit() else _word_amount(minor)
            value = (
                value + Decimal(cents) / 100
                if cents is not None and cents < 100 and value == int(value)
                else None
            )
        if not marker:
            start = match.start("words")
        return Amount(start, match.end(), currency, to_cents(value) if value is not None else unknown)
    # "weak": a bare amount with cents, unless it reads as a clock time ("at 19.30")
    before = match.string[: match.start()]
    hours, minutes = (int(part) for part in re.split(r"[.,]", match.group("num")))
    if _TIME_CUE.search(before) and hours < 24 and minutes < 60:
        return None
    return Amount(
        start, match.end(), default_currency, to_cents(_parse_number(match.group("num"))), weak=True
    )


def read_amounts(folded: str, default_currency: str) -> list[Amount]:
    found: list[Amount] = []
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
_FREE_COMPOUND = re.compile(
    r"(?:sugar|fat|alcohol|meat|caffeine|allergen|hassle|stress|worry|care|smoke|step|"
    r"cruelty|hands|duty|tax|cage|additive|preservative|msg|salt|gmo)[\s-]+$"
)
_COUNT = r"(?:\d+|one|two|three|four|five|a|an|any|another|a\s+second|the\s+second|your\s+second)"
_DISCOUNT = re.compile(
    r"\d+(?:[.,]\d+)?\s?(?:%|percent|per\s+cent)\s*(?:off|discount|korting|reduction|cheaper|less)\b"
    r"|\b(?:discount|reduction)\s+of\s+\d+|\bhalf[\s-]+(?:price|priced|off)\b|\b(?:2|two)[\s-]for[\s-](?:1|one)\b"
    r"|\bbuy\s+one,?\s+get\s+one\b|\bbogo\b|\b(?:promo|promotion|discount|coupon|voucher)\s+codes?\b"
    # "two for the price of one", "3 for 2"
    r"|\b[\w#]+\s+for\s+the\s+price\s+of\s+(?:\d+|one|two|three|a|an)\b"
    r"|\b\d+\s+for\s+\d+\b(?!\s*(?:people|persons|guests|hours?|minutes?|days?|nights?|weeks?|pm|am|o'clock)\b)"
    # "save 20%", "save €5", "save up to half"
    r"|\bsav(?:e|es|ing)\s+(?:up\s+to\s+|over\s+|about\s+|around\s+|an?\s+(?:extra\s+)?)?(?:\d|"
    + SIGN
    + r"|half|a\s+third|a\s+quarter|money|big|more\s+than)"
    # "half off", "€5 off", "5 euros off", "20 percent off"
    r"|(?:%|percent|per\s+cent|\bhalf|\ba\s+third|\ba\s+quarter|\d|"
    + SIGN
    + r"|\b"
    + _MAJOR_WORD
    + r")\s*off\b"
    # "buy 2 get 1 free", "get your second one half price"
    r"|\bbuy\s+" + _COUNT + r"\b[^.!?\n]{0,40}?\bget\b"
    r"|\bget\s+"
    + _COUNT
    + r"\s+(?:[a-z#]+\s+){0,2}(?:free|for\s+free|half[\s-]+price|on\s+us|for\s+nothing)\b"
    # "the drinks are on us" (not "count on us", "rely on us")
    r"|(?<!\brely\s)(?<!\bcount\s)(?<!\bdepend\s)(?<!\bdepends\s)(?<!\bcall\s)(?<!\blean\s)(?<!\bbank\s)"
    r"(?<!\brelying\s)(?<!\bcounting\s)(?<!\bdepending\s)(?<!\bcalling\s)(?<!\bwait\s)(?<!\bwaiting\s)\bon\s+us\b"
    # "enter the code WELCOME10" (not a zip code or postcode; "code HEARTH" is _CODE_TOKEN)
    r"|(?<!\bzip\s)(?<!\bpost\s)(?<!\bpostal\s)(?<!\barea\s)\bcode\s*[:=]?\s*[\"'\u201c\u2018]?[a-z]*\d+[a-z\d]*\b"
    r"|\bthrow(?:s|ing)?\s+in\b|\bthrown\s+in\b|\bwaiv(?:e|es|ed|ing)\b|\bfreebies?\b|\bhappy\s+hour\b"
)
# Offer words a reply may use to say there is none ("we don't do discounts").
_OFFER_WORDS = re.compile(
    r"\b(?:discount(?:s|ed)?|coupons?|vouchers?|promo(?:tion)?s?|promotional|special\s+offers?|"
    r"loyalty\s+(?:discounts?|rewards?|points)|reduced\s+price|price\s+cut|deals?(?!\s+(?:with|of)\b))\b"
)
# "use code HEARTH": a code word in capitals, read on the text as written
_CODE_TOKEN = re.compile(
    r"(?i)(?<!\bzip\s)(?<!\bpost\s)(?<!\bpostal\s)(?<!\bdress\s)(?<!\barea\s)\bcode\s*[:=]?\s*"
    r"[\"'\u201c\u2018]?(?-i:(?=[A-Z0-9-]*[A-Z])[A-Z0-9][A-Z0-9-]{2,})\b"
)
_OFFER_NEGATED = re.compile(
    r"\b(?:no|not|never|don't|doesn't|do\s+not|can't|cannot|won't|aren't|isn't)\b|n't\b"
)


def is_offer(masked: str, amounts: Iterable[Amount] = (), sentence: str = "") -> bool:
    if _DISCOUNT.search(masked) or _CODE_TOKEN.search(sentence):
        return True
    if any(amount.value == 0 for amount in amounts):  # "€0.00 delivery", "zero euros": free is an offer
        return True
    for match in _OFFER_WORDS.finditer(masked):
        if not _OFFER_NEGATED.search(masked[: match.start()]):
            return True
    for match in _FREE_OFFER.finditer(masked):
        free_at = masked.find("free", match.start(), match.end())
        if free_at >= 0 and _FREE_COMPOUND.search(masked[match.start() : free_at]):
            continue
        return True
    return False


_PRICE_LINK = re.compile(
    r"^(?:[\s:()=,-]|\b(?:is|are|was|costs?|priced|at|for|only|just|now|it's|the|price|of|"
    r"a|an|each|per|portion|starts|from|around|about)\b)*$"
)
SUM_WORDS = re.compile(
    r"\b(?:together|total|altogether|combined|in\s+all|comes?\s+to|adds?\s+up|makes?|sum)\b"
)
_PRICE_CUE_BEFORE = re.compile(
    r"\b(?:costs?|priced\s+at|price\s+(?:is|of)|for\s+(?:just|only)|only|just|"
    r"total(?:\s+is)?|each|per)\s*[:=]?\s*$"
)


def attached_dish(
    amount: Amount, groups: list[tuple[int, int, tuple[DishFacts, ...]]], amounts: list[Amount], masked: str
) -> DishFacts | None:
    """The one dish an amount is written right after ("Pad Thai: €14.50", "the Coke is €2.50"), if any."""
    before = [group for group in groups if group[1] <= amount.start]
    if not before or len(before[-1][2]) != 1:
        return None
    if len({dish for group in groups for dish in group[2]}) > 1 and SUM_WORDS.search(masked):
        return None  # "A Pad Thai with a Coke comes to €X": a sum, not the Coke's price
    gap_start = before[-1][1]
    if any(gap_start <= other.start < amount.start for other in amounts):
        return None
    gap = masked[gap_start : amount.start]
    if len(gap.split()) > 5 or not _PRICE_LINK.match(gap):
        return None
    return before[-1][2][0]


def weak_is_price(
    amount: Amount, groups: list[tuple[int, int, tuple[DishFacts, ...]]], amounts: list[Amount], masked: str
) -> bool:
    """A bare "9.99" is money when written as a dish's price ("Pad Thai: 9.99") or after "costs", "only"."""
    return bool(
        attached_dish(amount, groups, amounts, masked) or _PRICE_CUE_BEFORE.search(masked[: amount.start])
    )


def dish_pairs(dish: DishFacts, facts: FactSheet) -> set[tuple[str, Decimal]]:
    pairs = {(dish.currency, amount) for amount in dish.allowed_amounts()}
    return pairs | {(facts.currency, to_cents(amount)) for amount in facts.extra_amounts}
