"""How guest wording becomes dishes, quantities and options."""

from __future__ import annotations

from decimal import Decimal

import pytest

from actions.backend_client import Category, ItemOption, MenuItem
from actions.core.matching import match_dish, match_option, parse_quantity, requested_lines


def item(item_id: int, name: str, *options: ItemOption) -> MenuItem:
    return MenuItem(
        id=item_id,
        slug=name.lower().replace(" ", "-"),
        name=name,
        price=Decimal("9.50"),
        category=Category(id=1, slug="mains", name="Mains"),
        options=list(options),
    )


MENU = [
    item(1, "Margherita Pizza"),
    item(2, "Coke"),
    item(3, "Chicken Katsu Curry"),
    item(4, "Pad Thai"),
    item(5, "Korean Fried Chicken"),
    item(6, "Tomato Soup"),
    item(7, "Green Tea"),
    item(8, "Chicken Caesar Salad"),
]


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Margherita Pizza", "Margherita Pizza"),
        ("margheritas", "Margherita Pizza"),
        ("marghareta", "Margherita Pizza"),
        ("cokes", "Coke"),
        ("katsu curry", "Chicken Katsu Curry"),
        ("padthai", "Pad Thai"),
        ("green teas", "Green Tea"),
        ("tomato soups", "Tomato Soup"),
    ],
)
def test_typos_plurals_and_partial_names_find_the_dish(typed, expected):
    assert match_dish(typed, MENU).item.name == expected


@pytest.mark.parametrize("typed", ["sushi platter", "lasagne", "🍕🍕", "", "x" * 500])
def test_unknown_dishes_are_not_guessed(typed):
    assert match_dish(typed, MENU).item is None


def test_an_ambiguous_word_offers_the_candidates_instead_of_guessing():
    match = match_dish("chicken", MENU)
    assert match.item is None
    assert {"Chicken Katsu Curry", "Korean Fried Chicken", "Chicken Caesar Salad"} & {
        i.name for i in match.suggestions
    }


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2", 2),
        (3.0, 3),
        ("two", 2),
        ("a couple", 2),
        ("a", 1),
        ("twenty", 20),
        ("9999", 9999),
        ("0", 0),
        ("-1", -1),
        ("2.5", None),
        ("lots", None),
        (None, None),
        ("", None),
    ],
)
def test_quantities_in_words_and_digits(value, expected):
    assert parse_quantity(value) == expected


def test_options_match_only_what_the_item_offers():
    sizes = [
        ItemOption(id=1, group="size", name="regular", price_delta=Decimal("0")),
        ItemOption(id=2, group="size", name="large", price_delta=Decimal("3")),
    ]
    assert match_option("Large", sizes).id == 2
    assert match_option("larg", sizes).id == 2
    assert match_option("gigantic", sizes) is None


def entity(kind: str, value: str, start: int) -> dict:
    return {"entity": kind, "value": value, "start": start, "end": start + len(value)}


def test_several_dishes_in_one_message_keep_their_own_quantity_and_size():
    # "two margheritas and a large coke with ice"
    entities = [
        entity("quantity", "two", 0),
        entity("dish", "margheritas", 4),
        entity("size", "large", 22),
        entity("dish", "coke", 28),
        entity("option", "ice", 38),
    ]
    lines = requested_lines(entities)
    assert [(line.dish, line.quantity, line.size, line.extras) for line in lines] == [
        ("margheritas", "two", None, []),
        ("coke", None, "large", ["ice"]),
    ]


def test_a_quantity_after_the_only_dish_still_counts():
    lines = requested_lines([entity("dish", "pad thai", 0), entity("quantity", "3", 10)])
    assert lines[0].quantity == "3"


def test_no_dish_means_no_lines():
    assert requested_lines([entity("quantity", "2", 0)]) == []
