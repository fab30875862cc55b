"""The restaurant's vocabulary of facts, one copy for the backend and the assistant.

The 14 EU allergens (each with its wordings and the words that name it), the dietary tags, the mood
tags and the currency signs. The backend's model validators and admin choices, the assistant's
formatting and allergy reading, and the LLM guard's claim check all read them from here, so a code
can never be known to one side and not the other. Codes are what the database stores and the API
sends: never change one (a new one needs no migration, the lists are validated JSON). Pure Python,
no imports beyond the standard library: it runs in the backend and in the action server (one
installed package, pyproject.toml).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Allergen:
    """One allergen of EU Regulation 1169/2011, Annex II, in each wording it is shown in."""

    code: str  # stored and sent over the API
    label: str  # the backend's name (admin, API): the regulation's wording
    listed: str  # how the assistant lists a dish's allergens to a guest
    short: str  # how the guard names it in a corrected sentence ("The X has no gluten in its recipe.")
    words: tuple[str, ...]  # the words the guard reads as this allergen, and this one only
    # the words a guest names it by ("allergic to ...", "without ..."); "nuts" here is tree nuts, and
    # actions/recommending.exclusions widens it to peanuts as well
    said: tuple[str, ...]


@dataclass(frozen=True)
class DietaryTag:
    code: str
    label: str  # "Gluten-free"

    @property
    def text(self) -> str:
        """The tag in a sentence: "gluten-free"."""
        return self.label.lower()


ALLERGENS: tuple[Allergen, ...] = (
    Allergen(
        "cereals_gluten",
        "Cereals containing gluten",
        "gluten (cereals)",
        "gluten",
        ("gluten", "wheat", "barley", "rye", "spelt", "cereals containing gluten"),
        said=("gluten", "wheat", "cereals", "barley", "rye", "spelt", "oats"),
    ),
    Allergen(
        "crustaceans",
        "Crustaceans",
        "crustaceans",
        "crustaceans",
        (
            "crustaceans",
            "crustacean",
            "shrimp",
            "shrimps",
            "prawn",
            "prawns",
            "crab",
            "crabs",
            "lobster",
            "lobsters",
            "crayfish",
            "langoustine",
            "langoustines",
            "scampi",
        ),
        said=(
            "shellfish",
            "shrimp",
            "shrimps",
            "prawn",
            "prawns",
            "crab",
            "lobster",
            "crustacean",
            "crustaceans",
        ),
    ),
    Allergen("eggs", "Eggs", "eggs", "eggs", ("egg", "eggs"), said=("egg", "eggs")),
    Allergen(
        "fish",
        "Fish",
        "fish",
        "fish",
        ("fish", "salmon", "tuna", "cod", "anchovy", "anchovies", "sardines", "mackerel", "haddock", "trout"),
        said=("fish", "fish sauce"),
    ),
    Allergen(
        "peanuts",
        "Peanuts",
        "peanuts",
        "peanuts",
        ("peanut", "peanuts", "groundnut", "groundnuts"),
        said=("peanut", "peanuts", "groundnut", "groundnuts", "peanut butter"),
    ),
    Allergen(
        "soybeans",
        "Soybeans",
        "soy",
        "soy",
        ("soy", "soya", "soybean", "soybeans", "soya beans", "tofu", "edamame", "miso", "tempeh"),
        said=("soy", "soya", "soybean", "soybeans", "soy sauce"),
    ),
    Allergen(
        "milk",
        "Milk",
        "milk",
        "milk",
        ("milk", "dairy", "lactose", "butter", "buttermilk", "cream", "cheese", "yogurt", "yoghurt", "ghee"),
        said=("milk", "dairy", "lactose", "cheese", "cream", "butter"),
    ),
    Allergen(
        "nuts",
        "Tree nuts",
        "tree nuts",
        "tree nuts",
        (
            "tree nut",
            "tree nuts",
            "almond",
            "almonds",
            "walnut",
            "walnuts",
            "hazelnut",
            "hazelnuts",
            "cashew",
            "cashews",
            "pistachio",
            "pistachios",
            "pecan",
            "pecans",
            "macadamia",
            "macadamias",
            "brazil nut",
            "brazil nuts",
        ),
        said=(
            "nut",
            "nuts",
            "tree nut",
            "tree nuts",
            "almond",
            "almonds",
            "walnut",
            "walnuts",
            "hazelnut",
            "hazelnuts",
            "cashew",
            "cashews",
            "pistachio",
            "pistachios",
            "pecan",
            "pecans",
            "macadamia",
            "macadamias",
            "brazil nut",
            "brazil nuts",
        ),
    ),
    Allergen("celery", "Celery", "celery", "celery", ("celery", "celeriac"), said=("celery", "celeriac")),
    Allergen("mustard", "Mustard", "mustard", "mustard", ("mustard",), said=("mustard",)),
    Allergen("sesame", "Sesame", "sesame", "sesame", ("sesame", "tahini"), said=("sesame",)),
    Allergen(
        "sulphites",
        "Sulphur dioxide and sulphites",
        "sulphites",
        "sulphites",
        ("sulphites", "sulphite", "sulfites", "sulfite", "sulphur dioxide", "sulfur dioxide"),
        said=("sulphites", "sulphite", "sulfites", "sulfite"),
    ),
    Allergen("lupin", "Lupin", "lupin", "lupin", ("lupin", "lupine", "lupins"), said=("lupin", "lupine")),
    Allergen(
        "molluscs",
        "Molluscs",
        "molluscs",
        "molluscs",
        (
            "molluscs",
            "mollusc",
            "mollusks",
            "mollusk",
            "mussel",
            "mussels",
            "clam",
            "clams",
            "oyster",
            "oysters",
            "squid",
            "octopus",
            "scallop",
            "scallops",
            "calamari",
            "snails",
        ),
        said=(
            "molluscs",
            "mollusc",
            "mollusks",
            "mollusk",
            "squid",
            "mussels",
            "oysters",
            "clams",
            "octopus",
            "scallops",
        ),
    ),
)
ALLERGEN_CODES: tuple[str, ...] = tuple(allergen.code for allergen in ALLERGENS)
ALLERGEN_BY_CODE: dict[str, Allergen] = {allergen.code: allergen for allergen in ALLERGENS}
# A guest who says "nuts" (or "nut-free") means peanuts too, which the EU list keeps apart.
NUT_CODES: tuple[str, ...] = ("peanuts", "nuts")

DIETARY_TAGS: tuple[DietaryTag, ...] = (
    DietaryTag("vegetarian", "Vegetarian"),
    DietaryTag("vegan", "Vegan"),
    DietaryTag("gluten_free", "Gluten-free"),
    DietaryTag("dairy_free", "Dairy-free"),
    DietaryTag("halal", "Halal"),
    DietaryTag("nut_free", "Nut-free"),
)
DIETARY_CODES: tuple[str, ...] = tuple(tag.code for tag in DIETARY_TAGS)

# The moods a dish can be tagged with (actions/moods.yml says where each one looks on the menu).
MOOD_CODES: tuple[str, ...] = (
    "happy",
    "cozy",
    "adventurous",
    "stressed",
    "celebratory",
    "light",
    "hungry",
    "sad",
)

# How money is written (`money`); the LLM guard also reads these signs back (llm/guard/money.py).
CURRENCY_SYMBOLS: dict[str, str] = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(amount: Decimal, currency: str = "EUR") -> str:
    """`€12.50`; a currency with no sign here is written `12.50 CHF`."""
    symbol = CURRENCY_SYMBOLS.get(currency)
    value = f"{Decimal(amount):.2f}"
    return f"{symbol}{value}" if symbol else f"{value} {currency}"
