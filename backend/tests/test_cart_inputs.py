"""The cart endpoints check their bodies in the view (apps.ordering.inputs) and answer a bad value with the
same precise error, body and all, that the assistant reads (code, message, details)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import new_cart

pytestmark = pytest.mark.django_db

ITEM_REQUIRED = {
    "code": "validation_error",
    "message": "Please say which dish to add.",
    "details": {"item": ["A menu item id is required."]},
}
OPTIONS = {
    "code": "validation_error",
    "message": "Options must be a list of option ids.",
    "details": {"options": ["Expected a list of integers."]},
}
QUANTITY_REQUIRED = {
    "code": "validation_error",
    "message": "Please give the new quantity.",
    "details": {"quantity": ["This field is required."]},
}
FULFILMENT = {
    "code": "validation_error",
    "message": "Please choose pickup or delivery.",
    "details": {"fulfilment": ["Choose one of ['delivery', 'pickup']."]},
}
NOT_AN_OBJECT = {
    "code": "validation_error",
    "message": "Send a JSON object.",
    "details": {"non_field_errors": ["Expected a JSON object."]},
}


def quantity_error(value: Any) -> dict[str, Any]:
    return {
        "code": "invalid_quantity",
        "message": "Please choose a quantity between 1 and 20.",
        "details": {"quantity": value, "min": 1, "max": 20},
    }


@pytest.mark.parametrize(
    "body,error",
    [
        ({"item": None, "quantity": 1}, ITEM_REQUIRED),
        ({"item": "7", "quantity": 1}, ITEM_REQUIRED),
        ({"item": True, "quantity": 1}, ITEM_REQUIRED),
        ({"item": 1.0, "quantity": 1}, ITEM_REQUIRED),
        ({"item": None, "quantity": "x"}, ITEM_REQUIRED),  # the item is checked first
        ({"item": "PIZZA", "quantity": None}, quantity_error(None)),
        ({"item": "PIZZA", "quantity": 2.0}, quantity_error(2.0)),
        ({"item": "PIZZA", "quantity": True}, quantity_error(True)),
        ({"item": "PIZZA", "quantity": [2]}, quantity_error([2])),
        ({"item": "PIZZA", "quantity": 10**6}, quantity_error(10**6)),
        ({"item": "PIZZA", "quantity": 1, "options": "large"}, OPTIONS),
        ({"item": "PIZZA", "quantity": 1, "options": [True]}, OPTIONS),
        ({"item": "PIZZA", "quantity": 1, "options": ["1"]}, OPTIONS),
        ({"item": "PIZZA", "quantity": 1, "options": {"id": 1}}, OPTIONS),
        ([1, 2], NOT_AN_OBJECT),
    ],
)
def test_bad_additions_answer_as_before(api, demo, body, error):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    if isinstance(body, dict) and body.get("item") == "PIZZA":
        body = {**body, "item": demo["diavola-pizza"].pk}
    response = api.post(f"/api/carts/{cart['id']}/items/", body, format="json")
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert api.get(f"/api/carts/{cart['id']}/").json() == cart


def test_a_good_addition_with_null_or_no_options_and_the_default_quantity(api, demo):
    cart = new_cart(api)
    for body in ({"item": demo["diavola-pizza"].pk, "options": None}, {"item": demo["diavola-pizza"].pk}):
        response = api.post(f"/api/carts/{cart['id']}/items/", body, format="json")
        assert response.status_code == 201, response.json()
    assert [line["quantity"] for line in response.json()["lines"]] == [2]


@pytest.mark.parametrize(
    "body,error",
    [
        ({}, QUANTITY_REQUIRED),
        ({"quantity": None}, quantity_error(None)),
        ({"quantity": "2"}, quantity_error("2")),
        ({"quantity": 0}, quantity_error(0)),
        ({"quantity": 21}, quantity_error(21)),
    ],
)
def test_bad_quantity_changes_answer_as_before(api, demo, body, error):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    response = api.patch(f"/api/carts/{cart['id']}/items/{cart['lines'][0]['id']}/", body, format="json")
    assert (response.status_code, response.json()) == (400, {"error": error})
    assert api.get(f"/api/carts/{cart['id']}/").json() == cart


@pytest.mark.parametrize("body", [{}, {"fulfilment": None}, {"fulfilment": "teleport"}, {"fulfilment": 1}])
def test_bad_fulfilment_answers_as_before(api, demo, body):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    response = api.patch(f"/api/carts/{cart['id']}/", body, format="json")
    assert (response.status_code, response.json()) == (400, {"error": FULFILMENT})


@pytest.mark.parametrize("postcode,answer", [(1012, "1012"), (None, None), ("", None), (False, None)])
def test_pickup_ignores_the_postcode_and_delivery_takes_it_as_text(api, demo, postcode, answer):
    cart = new_cart(api, (demo["margherita-pizza"], 2, []))
    url = f"/api/carts/{cart['id']}/"
    assert (
        api.patch(url, {"fulfilment": "pickup", "postcode": postcode}, format="json").json()["postcode"]
        is None
    )
    response = api.patch(url, {"fulfilment": "delivery", "postcode": postcode}, format="json")
    if answer is None:
        assert response.status_code == 400
    else:
        assert response.status_code == 200 and response.json()["postcode"] == answer


def test_a_change_answers_with_the_changed_cart(api, demo):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    line = cart["lines"][0]["id"]
    changed = api.patch(f"/api/carts/{cart['id']}/items/{line}/", {"quantity": 2}, format="json").json()
    assert changed["version"] == cart["version"] + 1 and changed["lines"][0]["quantity"] == 2
    assert changed == api.get(f"/api/carts/{cart['id']}/").json()
    emptied = api.delete(f"/api/carts/{cart['id']}/items/{line}/").json()
    assert emptied["version"] == cart["version"] + 2 and emptied["lines"] == []
