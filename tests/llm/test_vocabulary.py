"""vocabulary/: the one vocabulary of facts. The backend reads the very same module (through its link
backend/vocabulary; backend/tests/test_menu.py checks its validators and admin choices against it),
and every allergen and dietary tag in it, in each wording it is shown in, is a claim the guard checks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from actions.core.formatting import allergen_list
from actions.recommending import load_moods
from llm.guard.check import check_claims
from llm.guard.facts import DishFacts, FactSheet
from vocabulary import ALLERGEN_CODES, ALLERGENS, DIETARY_CODES, DIETARY_TAGS, MOOD_CODES, Allergen

ROOT = Path(__file__).resolve().parents[2]


def about(dish: DishFacts) -> FactSheet:
    return FactSheet(dishes=(dish,), subject=dish)


def dish(allergens: frozenset[str] = frozenset(), tags: frozenset[str] = frozenset()) -> DishFacts:
    return DishFacts(name="House Plate", price=Decimal("9.50"), allergens=allergens, dietary_tags=tags)


def test_the_backend_reads_this_very_vocabulary() -> None:
    """Run as the backend runs (from backend/, Django set up), its menu models take their allergen
    choices from the installed vocabulary package: this file's, not a copy."""
    script = (
        "import django, vocabulary; django.setup()\n"
        "from apps.menu import models\n"
        "print(vocabulary.__file__)\n"
        "print(sorted(models.ALLERGENS))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT / "backend",
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "restaurant_backend.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    path, codes = done.stdout.strip().splitlines()[-2:]
    assert Path(path).resolve() == (ROOT / "vocabulary" / "__init__.py").resolve()
    assert codes == str(sorted(ALLERGEN_CODES))


def test_codes_are_unique_and_the_fourteen_eu_allergens() -> None:
    assert len(set(ALLERGEN_CODES)) == len(ALLERGEN_CODES) == 14
    assert len({tag.code for tag in DIETARY_TAGS}) == len(DIETARY_TAGS)


def test_a_word_names_one_allergen_only() -> None:
    """The guard's words and a guest's words are read into one table each: a word under two
    allergens would silently count for the last one."""
    for field in ("words", "said"):
        words = [word for allergen in ALLERGENS for word in getattr(allergen, field)]
        assert len(words) == len(set(words)), field
        assert all(getattr(allergen, field) for allergen in ALLERGENS), field


def wordings(allergen: Allergen) -> list[str]:
    return sorted({allergen.label.lower(), allergen.listed, allergen.short, *allergen.words})


@pytest.mark.parametrize("allergen", ALLERGENS, ids=lambda allergen: allergen.code)
def test_every_allergen_in_every_wording_is_checked_by_the_guard(allergen: Allergen) -> None:
    without, with_it = dish(), dish(frozenset({allergen.code}))
    for word in wordings(allergen):
        wrong = check_claims(f"This dish contains {word}.", about(without))
        assert wrong.text == f"The House Plate has no {allergen.short} in its recipe.", word
        assert [c.kind for c in wrong.corrections] == ["allergen"], word
        assert (
            check_claims(f"This dish has no {word}.", about(with_it)).text
            == f"The House Plate contains {allergen.short}."
        ), word
        assert not check_claims(f"This dish contains {word}.", about(with_it)).changed, word


@pytest.mark.parametrize("tag", DIETARY_TAGS, ids=lambda tag: tag.code)
def test_every_dietary_tag_is_checked_by_the_guard(tag) -> None:
    assert (
        check_claims(f"This dish is {tag.text}.", about(dish())).text == f"The House Plate isn't {tag.text}."
    )
    assert not check_claims(f"This dish is {tag.text}.", about(dish(tags=frozenset({tag.code})))).changed


def test_the_assistant_names_every_allergen_from_the_vocabulary() -> None:
    assert allergen_list(ALLERGEN_CODES) == ", ".join(allergen.listed for allergen in ALLERGENS)


def test_every_mood_the_assistant_recommends_for_is_a_tag_the_backend_takes() -> None:
    """actions/moods.yml may add synonyms and categories, but a mood no dish can be tagged with would
    only ever match by category."""
    assert set(load_moods()["moods"]) <= set(MOOD_CODES)


def test_the_api_contract_names_the_same_codes() -> None:
    contract = " ".join((ROOT / "docs" / "backend-api.md").read_text(encoding="utf-8").split())
    for heading, codes in (
        ("Allergen codes (the 14 EU major allergens)", ALLERGEN_CODES),
        ("Dietary tags", DIETARY_CODES),
        ("Mood tags", MOOD_CODES),
    ):
        listed = re.search(re.escape(heading) + r": `([^`]*)`", contract)
        assert listed and tuple(listed.group(1).split(", ")) == codes, heading
