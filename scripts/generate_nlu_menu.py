"""Generate data/nlu/menu_generated.yml from the backend's menu: dish lookup table, synonyms and examples.

The menu is read through the backend's own REST API (`GET /api/menu/items/`): over HTTP from a
running backend with --url, or in-process through Django's test client by default, so it also
works before any server is started. Output is deterministic: the same menu gives the same file,
so `rasa train` retrains only when the menu really changed.

    .venv/bin/python scripts/generate_nlu_menu.py [--url http://127.0.0.1:8000] [--out data/nlu/menu_generated.yml]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
GENERIC_WORDS = {"with", "and", "the", "of", "de", "la", "al", "style", "house", "bowl", "plate", "grande"}
# Describing words are not names on their own ("a french please" means nothing).
DESCRIBING_WORDS = {
    "french",
    "flat",
    "loaded",
    "crispy",
    "fried",
    "fresh",
    "grilled",
    "spicy",
    "sweet",
    "sticky",
    "classic",
    "baked",
    "roasted",
    "smoked",
    "iced",
    "cold",
    "mixed",
    "seasonal",
    "korean",
    "thai",
    "mini",
    "slow",
    "cooked",
    "pulled",
    "braised",
    "creamy",
    "homemade",
    "warm",
    "golden",
    "little",
    "double",
    "triple",
}
STOP_WORDS = {"and", "with", "of", "the", "&", "n", "in", "on"}
ORDER_TEMPLATES = [
    "I'd like a [{name}](dish)",
    "can I get [{count}](quantity) [{plural}](dish) please",
    "[{count}](quantity) [{name}](dish)",
    "i'll have the [{name}](dish)",
    "add a [{name}](dish) to my order",
    "one [{name}](dish) pls",
]
DETAIL_TEMPLATES = [
    "what's in the [{name}](dish)?",
    "how much is the [{name}](dish)",
    "does the [{name}](dish) have any allergens",
    "tell me about the [{name}](dish)",
]
COUNTS = ["two", "2", "three", "a couple of", "4"]


def fetch_menu(url: str | None) -> list[dict[str, Any]]:
    if url:
        import httpx

        items, next_url = [], f"{url.rstrip('/')}/api/menu/items/?page_size=200"
        while next_url:
            page = httpx.get(next_url, timeout=10).raise_for_status().json()
            items += page["results"]
            next_url = page.get("next")
        return items
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "restaurant_backend.settings")
    import django

    django.setup()
    from django.test import Client

    client, items, path = Client(), [], "/api/menu/items/?page_size=200"
    while path:
        page = client.get(path, HTTP_HOST="127.0.0.1").json()
        items += page["results"]
        path = page.get("next")
    return items


def plural(name: str) -> str:
    last = name.split()[-1]
    if last.endswith(("s", "sh", "ch", "x")):
        return name + "es" if not last.endswith("s") else name
    if last.endswith("y") and last[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + "s"


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def aliases(items: list[dict[str, Any]], reserved: set[str]) -> dict[str, set[str]]:
    """Shorter ways guests name a dish: a distinctive word ('katsu') or the name minus a word.

    A single word counts as distinctive only if no other dish mentions it in its name,
    description or ingredients ('coconut', 'bread' and 'cake' are not), and no word that
    already means something else in the NLU data ('veggie' → vegetarian) is taken.
    """
    texts = {
        item["name"]: {
            _singular(w)
            for w in re.findall(
                r"[a-z]+",
                " ".join([item["name"], item.get("description", ""), *item.get("ingredients", [])]).lower(),
            )
        }
        for item in items
    }
    result: dict[str, set[str]] = {}
    for name in texts:
        words = name.lower().split()
        found: set[str] = set()
        for word in words:
            clean = _singular(re.sub(r"[^a-z]", "", word))
            mentioned_elsewhere = any(
                clean in other for other_name, other in texts.items() if other_name != name
            )
            if len(clean) >= 4 and clean not in GENERIC_WORDS | DESCRIBING_WORDS and not mentioned_elsewhere:
                found.add(clean)
        if len(words) >= 3 and words[1] not in STOP_WORDS:
            found.add(" ".join(words[1:]))  # "Chicken Katsu Curry" → "katsu curry"
        if len(words) >= 3 and words[-1] in GENERIC_WORDS and words[-2] not in STOP_WORDS:
            found.add(" ".join(words[:-1]))  # "Tuna Poke Bowl" → "tuna poke"
        result[name] = {alias for alias in found if alias != name.lower() and alias not in reserved}
    # An alias that points at two dishes is ambiguous: leave it to the clarifying question.
    counts = Counter(alias for found in result.values() for alias in found)
    return {name: {alias for alias in found if counts[alias] == 1} for name, found in result.items()}


def reserved_words(nlu_dir: Path) -> set[str]:
    """Words the hand-written NLU data already maps to another value (dietary, allergen, ...)."""
    words: set[str] = set()
    for path in nlu_dir.glob("*.yml"):
        if path.name == "menu_generated.yml":
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []) or []:
            if "synonym" in block:
                words |= {
                    line[2:].strip().lower()
                    for line in block["examples"].splitlines()
                    if line.startswith("- ")
                }
                words.add(str(block["synonym"]).lower())
    return words


def build(items: list[dict[str, Any]], reserved: set[str] = frozenset()) -> dict[str, Any]:
    names = sorted({item["name"] for item in items})
    short = aliases(items, set(reserved))
    order_lines, detail_lines, lookup, synonyms = [], [], set(), []
    for index, name in enumerate(names):
        lower = name.lower()
        variants = {lower, plural(lower)} | short[name] | {plural(alias) for alias in short[name]}
        lookup |= variants
        synonyms.append({"synonym": name, "examples": "".join(f"- {v}\n" for v in sorted(variants))})
        count = COUNTS[index % len(COUNTS)]
        for offset in (0, 3):
            template = ORDER_TEMPLATES[(index + offset) % len(ORDER_TEMPLATES)]
            order_lines.append(template.format(name=lower, plural=plural(lower), count=count))
        detail_lines.append(DETAIL_TEMPLATES[index % len(DETAIL_TEMPLATES)].format(name=lower))
        alias = sorted(short[name])[:1]
        if alias:
            order_lines.append(f"a [{alias[0]}](dish) please")
    return {
        "version": "3.1",
        "nlu": [
            {"intent": "order_item", "examples": "".join(f"- {line}\n" for line in order_lines)},
            {"intent": "ask_item_details", "examples": "".join(f"- {line}\n" for line in detail_lines)},
            {"lookup": "dish", "examples": "".join(f"- {entry}\n" for entry in sorted(lookup))},
            *synonyms,
        ],
    }


class _LiteralDumper(yaml.SafeDumper):
    pass


_LiteralDumper.add_representer(
    str,
    lambda dumper, value: dumper.represent_scalar(
        "tag:yaml.org,2002:str", value, style="|" if "\n" in value else None
    ),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="base URL of a running backend (default: in-process)")
    parser.add_argument("--out", default=str(ROOT / "data" / "nlu" / "menu_generated.yml"))
    args = parser.parse_args()
    items = fetch_menu(args.url)
    if not items:
        sys.exit("The backend's menu is empty: load it first (python backend/manage.py load_demo).")
    text = "# Generated by scripts/generate_nlu_menu.py from the backend's menu. Do not edit by hand.\n"
    text += yaml.dump(
        build(items, reserved_words(Path(args.out).parent)),
        Dumper=_LiteralDumper,
        sort_keys=False,
        allow_unicode=True,
        width=200,
    )
    out = Path(args.out)
    if not out.exists() or out.read_text(encoding="utf-8") != text:
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out} ({len(items)} dishes)")
    else:
        print(f"{out} is up to date ({len(items)} dishes)")


if __name__ == "__main__":
    main()
