pytestmark = []

# Content checks for the demo restaurant file (backend/demo/restaurant.yaml).
#
# Plain pytest, no Django and no database: the file is read with PyYAML and checked for
# completeness and, above all, for consistency between each dish's name/description/ingredients
# and its allergens, dietary tags, mood tags and spice level.  The assistant repeats these facts
# to guests ("is the pad thai nut-free?"), so a slip here is a safety problem, not a typo.
#
# When you add an ingredient that none of the keyword tables below know about and that carries
# one of the 14 EU allergens, add it to ALLERGEN_KEYWORDS as well.

import os
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from vocabulary import ALLERGEN_CODES, DIETARY_CODES, MOOD_CODES

# DEMO_CONTENT_FILE lets you check another copy (e.g. a draft) without touching the real file.
DEMO_FILE = Path(
    os.environ.get("DEMO_CONTENT_FILE") or Path(__file__).resolve().parents[1] / "demo" / "restaurant.yaml"
)

ALLERGENS = set(ALLERGEN_CODES)
DIETARY_TAGS = set(DIETARY_CODES)
MOOD_TAGS = set(MOOD_CODES)
OPTION_GROUPS = {"size", "extra"}
CATEGORIES = {
    "starters",
    "soups",
    "sandwiches",
    "rice-bowls",
    "mains",
    "specials",
    "shareables",
    "desserts",
    "drinks",
}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
REQUIRED_POLICIES = {
    "allergens",
    "cancellations",
    "refunds",
    "reservations",
    "accessibility",
    "payment-methods",
    "delivery",
    "opening-hours",
}

# Mood guidance used by the assistant: mood -> categories it recommends from (None = any).
MOOD_GUIDANCE: dict[str, set[str] | None] = {
    "happy": {"shareables", "desserts"},
    "cozy": {"soups", "sandwiches", "rice-bowls"},
    "adventurous": {"specials"},
    "stressed": None,  # mild (spice 0), soothing dishes anywhere on the menu
}

# allergen -> (keyword regexes, phrases that look like a keyword but are not that allergen).
# Keywords are matched as whole words (plural "s"/"es" allowed) against the lower-cased name,
# description and each ingredient; exception phrases are removed from the text first.
ALLERGEN_KEYWORDS: dict[str, tuple[list[str], list[str]]] = {
    "cereals_gluten": (
        [
            r"wheat",
            r"flour",
            r"bread",
            r"breadcrumb",
            r"brioche",
            r"buns?",
            r"baguette",
            r"sourdough",
            r"ciabatta",
            r"focaccia",
            r"flatbread",
            r"pita",
            r"naan",
            r"flour tortillas?",
            r"crostini",
            r"croutons?",
            r"panko",
            r"pasta",
            r"spaghetti",
            r"macaroni",
            r"linguine",
            r"penne",
            r"gnocchi",
            r"noodles?",
            r"ramen",
            r"udon",
            r"soy sauce",
            r"gochujang",
            r"teriyaki",
            r"hoisin",
            r"barley",
            r"malt",
            r"beer",
            r"pilsner",
            r"lager",
            r"rye",
            r"spelt",
            r"oats?",
            r"couscous",
            r"bulgur",
            r"semolina",
            r"seitan",
            r"pastry",
            r"biscuits?",
            r"cookies?",
            r"crackers?",
            r"ladyfingers?",
            r"stroopwafel",
            r"batter",
            r"battered",
            r"tempura",
            r"dumpling wrappers?",
            r"gyoza",
            r"pizza",
            r"tiramisu",
        ],
        [
            "rice flour",
            "corn flour",
            "cornflour",
            "chickpea flour",
            "gram flour",
            "potato flour",
            "rice noodles",
            "glass noodles",
            "buckwheat",
            "gluten-free soy sauce",
        ],
    ),
    "crustaceans": (
        [r"prawns?", r"shrimps?", r"shrimp paste", r"lobsters?", r"crabs?", r"langoustines?", r"crayfish"],
        [],
    ),
    "eggs": (
        [
            r"eggs?",
            r"egg yolks?",
            r"yolks?",
            r"mayonnaise",
            r"mayo",
            r"aioli",
            r"meringue",
            r"custard",
            r"brioche",
            r"hollandaise",
            r"b[ée]arnaise",
            r"ladyfingers?",
            r"tiramisu",
            r"coleslaw",
        ],
        [],
    ),
    "fish": (
        [
            r"fish",
            r"fish sauce",
            r"anchov(y|ies)",
            r"salmon",
            r"tuna",
            r"cod",
            r"haddock",
            r"mackerel",
            r"sea bass",
            r"trout",
            r"sardines?",
            r"bonito",
            r"dashi",
            r"kimchi",
            r"worcestershire",
            r"caesar",
        ],
        [],
    ),
    "peanuts": ([r"peanuts?", r"peanut butter", r"peanut sauce", r"satay", r"groundnuts?"], []),
    "soybeans": (
        [
            r"soy",
            r"soya",
            r"soybeans?",
            r"tofu",
            r"miso",
            r"edamame",
            r"tamari",
            r"tempeh",
            r"gochujang",
            r"teriyaki",
            r"hoisin",
        ],
        [],
    ),
    "milk": (
        [
            r"milk",
            r"butter",
            r"buttermilk",
            r"cream",
            r"cheese",
            r"cheesecake",
            r"cheddar",
            r"mozzarella",
            r"parmesan",
            r"gruy[eè]re",
            r"feta",
            r"halloumi",
            r"ricotta",
            r"mascarpone",
            r"burrata",
            r"gouda",
            r"yoghurt",
            r"yogurt",
            r"ghee",
            r"cr[eè]me fra[iî]che",
            r"custard",
            r"ice cream",
            r"gelato",
            r"paneer",
            r"whey",
            r"labneh",
            r"tzatziki",
            r"raita",
            r"white chocolate",
            r"milk chocolate",
            r"crema",
            r"lassi",
            r"stroopwafel",
            r"tiramisu",
            r"brioche",
        ],
        [
            "coconut milk",
            "coconut cream",
            "oat milk",
            "almond milk",
            "soy milk",
            "peanut butter",
            "cocoa butter",
            "vegan cheese",
        ],
    ),
    "nuts": (
        [
            r"almonds?",
            r"cashews?",
            r"walnuts?",
            r"hazelnuts?",
            r"pistachios?",
            r"pecans?",
            r"macadamias?",
            r"brazil nuts?",
            r"praline",
            r"marzipan",
            r"frangipane",
            r"nutella",
        ],
        [],
    ),
    "celery": ([r"celery", r"celeriac"], []),
    "mustard": ([r"mustard", r"dijon"], []),
    "sesame": (
        [r"sesame", r"tahini", r"hummus", r"baba ganoush", r"furikake", r"za'atar", r"gomasio"],
        [],
    ),
    "sulphites": (
        [r"wine", r"balsamic", r"prosecco", r"champagne", r"sherry", r"dried apricots?", r"sulphites?"],
        [],
    ),
    "lupin": ([r"lupin"], []),
    "molluscs": (
        [
            r"squid",
            r"calamari",
            r"octopus",
            r"mussels?",
            r"clams?",
            r"oysters?",
            r"oyster sauce",
            r"scallops?",
            r"snails?",
        ],
        [],
    ),
}

# Not vegetarian (fish and shellfish are caught through their allergens).
MEAT_KEYWORDS = [
    r"chicken",
    r"beef",
    r"pork",
    r"bacon",
    r"ham",
    r"lamb",
    r"mutton",
    r"veal",
    r"duck",
    r"turkey",
    r"chorizo",
    r"salami",
    r"pepperoni",
    r"prosciutto",
    r"pancetta",
    r"sausages?",
    r"mince",
    r"steak",
    r"sirloin",
    r"brisket",
    r"bulgogi",
    r"birria",
    r"shawarma",
    r"gelatine?",
    r"lard",
    r"bone broth",
    r"dashi",
    r"bonito",
    r"wings",
]
# Not vegan, on top of meat, fish, shellfish, milk and eggs.
ANIMAL_KEYWORDS = [r"honey", r"gelatine?", r"ghee", r"beeswax"]
# Not halal.
HARAM_KEYWORDS = [
    r"pork",
    r"bacon",
    r"ham",
    r"lard",
    r"chorizo",
    r"salami",
    r"pepperoni",
    r"prosciutto",
    r"pancetta",
    r"gelatine?",
    r"wine",
    r"beer",
    r"pilsner",
    r"lager",
    r"rum",
    r"brandy",
    r"sake",
    r"mirin",
    r"liqueur",
    r"alcohol",
]
SPICY_WORDS = [r"spicy", r"fiery", r"chilli", r"chili", r"hot sauce", r"kick", r"heat"]
NOT_MILD_WORDS = [r"spicy", r"fiery", r"hot sauce"]

REQUIRED_ITEMS: dict[str, dict[str, Any]] = {
    "Margherita Pizza": {"category": "mains"},
    "Coke": {"category": "drinks"},
    "Tomato Soup": {"category": "soups"},
    "Chicken Katsu Curry": {"category": "rice-bowls"},
    "Pad Thai": {"category": "mains"},
    "Truffle Risotto": {"category": "mains", "available": True, "stock": 0},
    "Seasonal Lobster Roll": {"category": "specials", "available": False},
    "Chocolate Lava Cake": {"category": "desserts"},
    "Green Tea": {"category": "drinks"},
    "Veggie Burger": {"category": "sandwiches"},
    "Miso Ramen": {"category": "soups"},
    "Nachos Grande": {"category": "shareables"},
    "Korean Fried Chicken": {"category": "specials", "spice_level": 2},
}

MONEY = re.compile(r"^\d+\.\d{2}$")
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


# --------------------------------------------------------------------------- helpers


def _words_regex(keywords: list[str]) -> re.Pattern[str]:
    return re.compile(r"(?<![\w'])(?:" + "|".join(keywords) + r")(?![\w])")


_ALLERGEN_RES = {a: (_words_regex(kws), excs) for a, (kws, excs) in ALLERGEN_KEYWORDS.items()}
_MEAT_RE = _words_regex(MEAT_KEYWORDS)
_ANIMAL_RE = _words_regex(ANIMAL_KEYWORDS)
_HARAM_RE = _words_regex(HARAM_KEYWORDS)
_SPICY_RE = _words_regex(SPICY_WORDS)
_NOT_MILD_RE = _words_regex(NOT_MILD_WORDS)


def implied_allergens(text: str) -> dict[str, str]:
    """Allergens the keyword table finds in `text`, each with the keyword that triggered it."""
    found: dict[str, str] = {}
    for allergen, (pattern, exceptions) in _ALLERGEN_RES.items():
        cleaned = text.lower()
        for phrase in exceptions:
            cleaned = cleaned.replace(phrase, " ")
        match = pattern.search(cleaned)
        if match:
            found[allergen] = match.group(0)
    return found


def item_texts(item: dict[str, Any]) -> list[str]:
    return [item["name"], item["description"], *item["ingredients"]]


def item_text(item: dict[str, Any]) -> str:
    return " | ".join(item_texts(item)).lower()


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


def name_words(name: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", name.lower())) - {"and", "the", "of", "with", "a"}


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    assert DEMO_FILE.is_file(), f"{DEMO_FILE} is missing"
    loaded = yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def items(data: dict[str, Any]) -> list[dict[str, Any]]:
    return data["items"]


@pytest.fixture(scope="module")
def by_name(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["name"]: item for item in items}


# --------------------------------------------------------------------------- restaurant


def test_restaurant_facts(data: dict[str, Any]) -> None:
    r = data["restaurant"]
    for key in ("name", "address", "phone"):
        assert isinstance(r[key], str) and r[key].strip(), key
    assert r["currency"] == "EUR"
    assert r["timezone"] == "Europe/Amsterdam"
    assert MONEY.match(r["minimum_order"]) and Decimal(r["minimum_order"]) > 0
    assert isinstance(r["cancellation_window_minutes"], int) and r["cancellation_window_minutes"] > 0
    assert set(r["payment_methods"]) <= {"card_online", "pay_at_counter"} and r["payment_methods"]


def test_opening_hours(data: dict[str, Any]) -> None:
    hours = data["restaurant"]["opening_hours"]
    assert set(hours) == set(WEEKDAYS)
    assert sum(1 for day in WEEKDAYS if not hours[day]) <= 1, "at most one closed day"
    for day in WEEKDAYS:
        for span in hours[day]:
            assert len(span) == 2, (day, span)
            opens, closes = span
            assert isinstance(opens, str) and HHMM.match(opens), (day, opens)
            assert isinstance(closes, str) and HHMM.match(closes), (day, closes)
            assert opens < closes, f"{day}: {opens}-{closes}"


def test_delivery_zones(data: dict[str, Any]) -> None:
    zones = data["restaurant"]["delivery_zones"]
    assert len(zones) == 3
    seen: set[str] = set()
    for zone in zones:
        assert zone["name"].strip()
        assert zone["postcodes"], zone["name"]
        for postcode in zone["postcodes"]:
            assert isinstance(postcode, str) and re.fullmatch(r"1\d{3}", postcode), postcode
            assert postcode not in seen, f"postcode {postcode} in two zones"
            seen.add(postcode)
        assert MONEY.match(zone["fee"]) and MONEY.match(zone["min_order"])
        assert isinstance(zone["eta_minutes"], int) and 10 <= zone["eta_minutes"] <= 120
    fees = [Decimal(z["fee"]) for z in zones]
    assert fees == sorted(fees) and len(set(fees)) == len(fees), "fees must increase zone by zone"
    minimum = Decimal(data["restaurant"]["minimum_order"])
    assert all(Decimal(z["min_order"]) >= minimum for z in zones)


def test_policies(data: dict[str, Any]) -> None:
    policies = data["policies"]
    slugs = [p["slug"] for p in policies]
    assert len(slugs) == len(set(slugs))
    assert set(slugs) >= REQUIRED_POLICIES
    for policy in policies:
        assert policy["title"].strip()
        n = len(sentences(policy["body"]))
        assert 3 <= n <= 8, f"policy {policy['slug']} has {n} sentences"


def test_policies_agree_with_restaurant_facts(data: dict[str, Any]) -> None:
    r = data["restaurant"]
    body = {p["slug"]: p["body"] for p in data["policies"]}
    for zone in r["delivery_zones"]:
        assert zone["name"] in body["delivery"]
        assert f"€{zone['fee']}" in body["delivery"], zone["name"]
        assert f"€{zone['min_order']}" in body["delivery"], zone["name"]
        assert str(zone["eta_minutes"]) in body["delivery"], zone["name"]
    window = str(r["cancellation_window_minutes"])
    assert f"{window} minutes" in body["cancellations"]
    for day in WEEKDAYS:
        for opens, closes in r["opening_hours"][day]:
            assert opens in body["opening-hours"] and closes in body["opening-hours"], day


# --------------------------------------------------------------------------- menu structure


def test_categories(data: dict[str, Any]) -> None:
    cats = data["categories"]
    assert {c["slug"] for c in cats} == CATEGORIES
    assert len(cats) == len(CATEGORIES)
    positions = [c["position"] for c in cats]
    assert len(set(positions)) == len(positions)
    assert all(c["name"].strip() for c in cats)


def test_enough_items_per_category(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 60
    counts = Counter(item["category"] for item in items)
    assert set(counts) <= CATEGORIES, set(counts) - CATEGORIES
    for category in CATEGORIES:
        assert counts[category] >= 5, f"{category}: only {counts[category]} items"


def test_slugs_and_names_unique_and_distinct(items: list[dict[str, Any]]) -> None:
    slugs = [item["slug"] for item in items]
    names = [item["name"] for item in items]
    assert len(slugs) == len(set(slugs)), [s for s, n in Counter(slugs).items() if n > 1]
    assert len({n.lower() for n in names}) == len(names), [n for n, c in Counter(names).items() if c > 1]
    for slug in slugs:
        assert SLUG.match(slug), slug
    # No two names sharing most of their words (the assistant matches names fuzzily).
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            wa, wb = name_words(a), name_words(b)
            assert not (wa <= wb or wb <= wa), f"{a!r} / {b!r}: one name contains the other"
            assert len(wa & wb) / len(wa | wb) < 0.5, f"{a!r} / {b!r} share most words"


def test_item_fields(items: list[dict[str, Any]]) -> None:
    for item in items:
        label = item.get("slug")
        for key in (
            "slug",
            "name",
            "category",
            "description",
            "ingredients",
            "price",
            "allergens",
            "dietary_tags",
            "mood_tags",
            "spice_level",
            "stock",
            "available",
            "is_special",
            "image",
            "options",
        ):
            assert key in item, f"{label}: missing {key}"
        assert item["name"].strip() and item["name"] == item["name"].strip(), label
        assert 1 <= len(sentences(item["description"])) <= 2, f"{label}: description 1-2 sentences"
        assert item["ingredients"] and all(isinstance(i, str) and i.strip() for i in item["ingredients"])
        assert isinstance(item["available"], bool) and isinstance(item["is_special"], bool), label
        assert item["image"]["url"] == f"/static/menu/{item['slug']}.svg", label
        assert item["image"]["alt"].strip(), label


def test_menu_images_exist(items: list[dict[str, Any]]) -> None:
    # Served from backend/demo/static/menu/ (STATICFILES_DIRS) as /static/menu/<slug>.svg.
    static_dir = DEMO_FILE.parent / "static"
    if not static_dir.is_dir():
        pytest.skip("no demo/static directory next to the demo file")
    missing = [
        i["image"]["url"]
        for i in items
        if not (static_dir / i["image"]["url"].removeprefix("/static/")).is_file()
    ]
    assert not missing, missing


def test_prices_are_two_decimal_strings(items: list[dict[str, Any]]) -> None:
    for item in items:
        price = item["price"]
        assert isinstance(price, str) and MONEY.match(price), f"{item['slug']}: price {price!r}"
        assert Decimal("1.00") <= Decimal(price) <= Decimal("60.00"), f"{item['slug']}: {price}"


def test_options(items: list[dict[str, Any]]) -> None:
    with_options = 0
    for item in items:
        options = item["options"]
        with_options += bool(options)
        keys = [(o["group"], o["name"]) for o in options]
        assert len(keys) == len(set(keys)), f"{item['slug']}: duplicate option"
        for option in options:
            assert option["group"] in OPTION_GROUPS, (item["slug"], option)
            assert option["name"].strip(), item["slug"]
            delta = option["price_delta"]
            assert isinstance(delta, str) and MONEY.match(delta), (item["slug"], option)
            assert Decimal(delta) >= 0, (item["slug"], option)
        sizes = [o for o in options if o["group"] == "size"]
        if sizes:
            assert len(sizes) >= 2, f"{item['slug']}: a size choice needs at least two sizes"
            assert sum(Decimal(o["price_delta"]) == 0 for o in sizes) == 1, (
                f"{item['slug']}: exactly one size at the base price"
            )
    assert with_options >= len(items) * 0.7, "most items should have options"


def test_stock_and_availability(items: list[dict[str, Any]]) -> None:
    for item in items:
        stock = item["stock"]
        assert stock is None or (isinstance(stock, int) and not isinstance(stock, bool)), item["slug"]
        if stock is not None:
            assert stock == 0 or 30 <= stock <= 200, f"{item['slug']}: stock {stock}"
    specials = [i for i in items if i["is_special"]]
    assert 3 <= len(specials) <= 4, [i["name"] for i in specials]
    assert all(i["available"] and i["stock"] != 0 for i in specials), "specials must be orderable"


# --------------------------------------------------------------------------- vocabularies


def test_codes_are_in_vocabularies(items: list[dict[str, Any]]) -> None:
    for item in items:
        for field, vocabulary in (
            ("allergens", ALLERGENS),
            ("dietary_tags", DIETARY_TAGS),
            ("mood_tags", MOOD_TAGS),
        ):
            values = item[field]
            assert isinstance(values, list), (item["slug"], field)
            assert set(values) <= vocabulary, f"{item['slug']}: unknown {field} {set(values) - vocabulary}"
            assert len(values) == len(set(values)), f"{item['slug']}: duplicate {field}"
        spice = item["spice_level"]
        assert isinstance(spice, int) and 0 <= spice <= 3, f"{item['slug']}: spice {spice}"


# --------------------------------------------------------------------------- consistency


def test_keyword_table_sanity() -> None:
    assert set(implied_allergens("coconut milk, coconut cream, peanut butter")) == {"peanuts"}
    assert "cereals_gluten" not in implied_allergens("rice noodles, glutinous rice, corn tortillas")
    assert "nuts" not in implied_allergens("coconut, nutmeg")
    assert set(implied_allergens("soy sauce")) == {"cereals_gluten", "soybeans"}
    assert set(implied_allergens("tamari, miso")) == {"soybeans"}
    assert set(implied_allergens("brioche bun")) == {"cereals_gluten", "eggs", "milk"}
    assert set(implied_allergens("garlic aioli, beer-battered cod")) == {"eggs", "fish", "cereals_gluten"}


def test_ingredients_imply_declared_allergens(items: list[dict[str, Any]]) -> None:
    problems = []
    for item in items:
        declared = set(item["allergens"])
        for text in item_texts(item):
            for allergen, keyword in implied_allergens(text).items():
                if allergen not in declared:
                    problems.append(f"{item['slug']}: {text!r} ({keyword}) implies {allergen}")
    assert not problems, "\n".join(problems)


def test_declared_allergens_are_explained_by_ingredients(items: list[dict[str, Any]]) -> None:
    problems = []
    for item in items:
        implied: set[str] = set()
        for text in item_texts(item):
            implied |= set(implied_allergens(text))
        for allergen in set(item["allergens"]) - implied:
            problems.append(f"{item['slug']}: declares {allergen} but no ingredient explains it")
    assert not problems, "\n".join(problems)


def test_dietary_tags_not_contradicted(items: list[dict[str, Any]]) -> None:
    problems = []
    for item in items:
        tags, allergens, text = set(item["dietary_tags"]), set(item["allergens"]), item_text(item)
        meat = _MEAT_RE.search(text)
        if ("vegetarian" in tags or "vegan" in tags) and (
            allergens & {"fish", "crustaceans", "molluscs"} or meat
        ):
            problems.append(f"{item['slug']}: vegetarian/vegan but contains meat or seafood")
        if "vegan" in tags:
            if allergens & {"milk", "eggs"} or _ANIMAL_RE.search(text):
                problems.append(f"{item['slug']}: vegan but contains milk, egg or honey/gelatin")
            if not {"vegetarian", "dairy_free"} <= tags:
                problems.append(f"{item['slug']}: vegan should also be tagged vegetarian and dairy_free")
        if "gluten_free" in tags and "cereals_gluten" in allergens:
            problems.append(f"{item['slug']}: gluten_free but contains cereals_gluten")
        if "dairy_free" in tags and "milk" in allergens:
            problems.append(f"{item['slug']}: dairy_free but contains milk")
        if "nut_free" in tags and allergens & {"nuts", "peanuts"}:
            problems.append(f"{item['slug']}: nut_free but contains nuts or peanuts")
        if "halal" in tags and _HARAM_RE.search(text):
            problems.append(f"{item['slug']}: halal but contains pork or alcohol")
    assert not problems, "\n".join(problems)


def test_spice_level_agrees_with_description(items: list[dict[str, Any]]) -> None:
    for item in items:
        description = item["description"].lower()
        if item["spice_level"] == 0:
            assert not _NOT_MILD_RE.search(description), f"{item['slug']}: says spicy but spice 0"
        if item["spice_level"] >= 2:
            assert _SPICY_RE.search(description), f"{item['slug']}: spice {item['spice_level']} not described"


def test_the_tables_here_are_keyed_by_the_vocabulary() -> None:
    """Keyed by vocabulary/'s codes, never a copy of them: an allergen added there needs keywords here."""
    assert set(ALLERGEN_KEYWORDS) == ALLERGENS
    assert set(MOOD_GUIDANCE) <= MOOD_TAGS


def test_mood_tags(items: list[dict[str, Any]]) -> None:
    for item in items:
        assert len(item["mood_tags"]) <= 3, f"{item['slug']}: more than 3 moods"
    assert sum(1 for i in items if i["mood_tags"]) >= 0.8 * len(items), "most items need a mood"
    counts = Counter(m for item in items for m in item["mood_tags"])
    for mood in MOOD_GUIDANCE:
        assert counts[mood] >= 3, f"mood {mood} used by only {counts[mood]} items"


def test_mood_tags_follow_guidance(items: list[dict[str, Any]]) -> None:
    for mood, categories in MOOD_GUIDANCE.items():
        if categories is None:
            continue
        in_scope = [i for i in items if i["category"] in categories]
        tagged = [i for i in in_scope if mood in i["mood_tags"]]
        assert len(tagged) >= 0.6 * len(in_scope), (
            f"only {len(tagged)}/{len(in_scope)} items in {sorted(categories)} are tagged {mood}"
        )
    for item in items:
        if "stressed" in item["mood_tags"]:
            assert item["spice_level"] == 0, f"{item['slug']}: stressed dishes must be mild"


# --------------------------------------------------------------------------- required items


def test_required_items_exist(by_name: dict[str, dict[str, Any]]) -> None:
    missing = set(REQUIRED_ITEMS) - set(by_name)
    assert not missing, missing
    for name, expected in REQUIRED_ITEMS.items():
        for key, value in expected.items():
            assert by_name[name][key] == value, f"{name}: {key} should be {value!r}"


def _options(item: dict[str, Any], group: str) -> set[str]:
    return {o["name"] for o in item["options"] if o["group"] == group}


def test_required_item_details(by_name: dict[str, dict[str, Any]]) -> None:
    pizza = by_name["Margherita Pizza"]
    assert _options(pizza, "size") == {"regular", "large"}
    assert "extra cheese" in _options(pizza, "extra")

    coke = by_name["Coke"]
    assert _options(coke, "size") == {"small", "regular", "large"}
    assert "vegan" in coke["dietary_tags"]

    assert {"vegan", "gluten_free"} <= set(by_name["Tomato Soup"]["dietary_tags"])
    assert "peanuts" in by_name["Pad Thai"]["allergens"]
    assert "vegetarian" in by_name["Veggie Burger"]["dietary_tags"]
    assert _options(by_name["Veggie Burger"], "extra"), "Veggie Burger needs extras"
    assert by_name["Seasonal Lobster Roll"]["is_special"] is False

    sold_out = [n for n, i in by_name.items() if i["stock"] == 0]
    assert sold_out == ["Truffle Risotto"], sold_out
    unavailable = [n for n, i in by_name.items() if not i["available"]]
    assert unavailable == ["Seasonal Lobster Roll"], unavailable
    for name in REQUIRED_ITEMS:
        if name not in ("Truffle Risotto", "Seasonal Lobster Roll"):
            assert by_name[name]["available"] and by_name[name]["stock"] != 0, name
