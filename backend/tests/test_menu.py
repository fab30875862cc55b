from __future__ import annotations

from typing import Any

import pytest

from apps.menu.models import MenuItem, MenuOption
from tests.conftest import error_code

pytestmark = pytest.mark.django_db


def slugs(response: Any) -> list[str]:
    assert response.status_code == 200, response.json()
    return sorted(item["slug"] for item in response.json()["results"])


def test_categories_are_public_and_paginated(public, demo):
    response = public.get("/api/menu/categories/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and body["previous"] is None
    assert [c["slug"] for c in body["results"]] == ["starters", "mains"]
    assert set(body["results"][0]) == {"id", "slug", "name", "position"}


def test_item_has_contract_fields(public, demo):
    item = demo["margherita-pizza"]
    body = public.get(f"/api/menu/items/{item.pk}/").json()
    assert body["price"] == "11.50" and body["currency"] == "EUR"
    assert body["category"] == {"id": item.category_id, "slug": "mains", "name": "Mains"}
    assert body["allergens"] == ["cereals_gluten", "milk"]
    assert body["ingredients"] == ["tomato", "mozzarella", "basil", "wheat flour"]
    assert body["image"] == {
        "url": "/static/menu/margherita-pizza.svg",
        "alt": "A margherita pizza with basil leaves",
    }
    assert [(o["group"], o["name"], o["price_delta"]) for o in body["options"]] == [
        ("size", "regular", "0.00"),
        ("size", "large", "3.00"),
        ("extra", "extra cheese", "1.50"),
    ]
    assert body["available"] is True and body["stock"] == 40 and body["spice_level"] == 0
    assert body["is_special"] is False and body["updated_at"]


def test_sold_out_or_switched_off_items_are_not_available(public, demo):
    assert public.get(f"/api/menu/items/{demo['green-salad'].pk}/").json()["available"] is False
    assert public.get(f"/api/menu/items/{demo['truffle-risotto'].pk}/").json()["available"] is False
    assert public.get(f"/api/menu/items/{demo['diavola-pizza'].pk}/").json()["stock"] is None


def test_unknown_item_is_404_with_error_shape(public, demo):
    response = public.get("/api/menu/items/99999/")
    assert response.status_code == 404
    assert error_code(response) == "unknown_item"


@pytest.mark.parametrize(
    "query,expected",
    [
        ("category=starters", ["bruschetta", "green-salad"]),
        ("dietary=vegan,gluten_free", ["green-salad"]),
        ("dietary=vegetarian", ["bruschetta", "green-salad", "margherita-pizza", "truffle-risotto"]),
        ("exclude_allergens=milk,cereals_gluten", ["green-salad"]),
        ("exclude_allergens=mustard", ["bruschetta", "green-salad", "margherita-pizza", "truffle-risotto"]),
        ("q=salami", ["diavola-pizza"]),
        ("q=lemon", ["green-salad"]),
        ("q=MOZZARELLA", ["diavola-pizza", "margherita-pizza"]),
        ("available=true", ["bruschetta", "diavola-pizza", "margherita-pizza"]),
        ("available=false", ["green-salad", "truffle-risotto"]),
        ("mood=light", ["bruschetta", "green-salad"]),
        ("special=true", ["diavola-pizza"]),
        ("category=mains&available=true&mood=cozy", ["margherita-pizza"]),
    ],
)
def test_item_filters(public, demo, query, expected):
    assert slugs(public.get(f"/api/menu/items/?{query}")) == expected


def test_unknown_filter_value_is_a_validation_error(public, demo):
    response = public.get("/api/menu/items/?exclude_allergens=gluten")
    assert response.status_code == 400
    assert error_code(response) == "validation_error"
    assert "exclude_allergens" in response.json()["error"]["details"]


def test_page_size_is_capped_at_200(public, demo):
    body = public.get("/api/menu/items/?page_size=2").json()
    assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]
    assert len(public.get("/api/menu/items/?page_size=1000").json()["results"]) == 5


def test_specials_endpoint(public, demo):
    assert slugs(public.get("/api/menu/specials/")) == ["diavola-pizza"]


def test_menu_version_changes_on_item_option_and_category_changes(public, demo):
    def version() -> str:
        return public.get("/api/menu/version/").json()["version"]

    start = version()
    item = MenuItem.objects.get(slug="bruschetta")
    item.stock = 10
    item.save()
    after_stock = version()
    assert after_stock != start
    MenuOption.objects.create(item=item, group="extra", name="garlic", price_delta="0.50")
    after_option = version()
    assert after_option != after_stock
    item.category.name = "Small plates"
    item.category.save()
    assert version() != after_option


@pytest.mark.django_db(False)
def test_the_menu_vocabularies_are_the_shared_ones():
    """The admin's tick boxes and the validators take exactly the codes of vocabulary/ (the module
    the assistant reads, installed as one package), in its order: the two sides can never disagree on a code."""
    from django.core.exceptions import ValidationError

    import vocabulary
    from apps.menu.admin import MenuItemForm
    from apps.menu.models import validate_allergens, validate_dietary_tags, validate_mood_tags

    shared = {
        "allergens": ([(a.code, a.label) for a in vocabulary.ALLERGENS], validate_allergens),
        "dietary_tags": ([(t.code, t.label) for t in vocabulary.DIETARY_TAGS], validate_dietary_tags),
        "mood_tags": ([(m, m.capitalize()) for m in vocabulary.MOOD_CODES], validate_mood_tags),
    }
    form = MenuItemForm()
    for field, (choices, validate) in shared.items():
        assert list(form.fields[field].choices) == choices, field
        validate([code for code, _ in choices])
        with pytest.raises(ValidationError):
            validate(["not_a_" + field])
    assert len(vocabulary.ALLERGENS) == 14
