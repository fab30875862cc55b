from __future__ import annotations

from typing import Any

import pytest

from apps.menu.models import MenuItem
from tests.conftest import error_code, new_cart, option_id

pytestmark = pytest.mark.django_db


def add(api: Any, cart_id: int, body: dict[str, Any]) -> Any:
    return api.post(f"/api/carts/{cart_id}/items/", body, format="json")


def test_create_cart_is_empty_and_open(api, demo):
    response = api.post("/api/carts/", {"channel": "rest", "conversation_id": "c1"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open" and body["lines"] == [] and body["total"] == "0.00"
    assert body["customer"] is None and body["currency"] == "EUR"


def test_add_items_with_options_computes_prices(api, demo):
    pizza = demo["margherita-pizza"]
    cart = new_cart(
        api,
        (pizza, 2, [option_id(pizza, "large"), option_id(pizza, "extra cheese")]),
        (demo["bruschetta"], 1, []),
    )
    first, second = cart["lines"]
    assert first["item"] == {"id": pizza.pk, "name": "Margherita Pizza"}
    assert [o["name"] for o in first["options"]] == ["large", "extra cheese"]
    assert first["unit_price"] == "16.00" and first["line_total"] == "32.00"
    assert second["unit_price"] == "6.00"
    assert cart["item_count"] == 3 and cart["subtotal"] == "38.00" and cart["total"] == "38.00"
    assert cart["delivery_fee"] == "0.00"


def test_same_item_and_options_merge_into_one_line(api, demo):
    pizza = demo["margherita-pizza"]
    large = option_id(pizza, "large")
    cart = new_cart(api, (pizza, 1, [large]), (pizza, 2, [large]), (pizza, 1, []))
    assert [(line["quantity"], len(line["options"])) for line in cart["lines"]] == [(3, 1), (1, 0)]


def test_version_increases_on_every_change(api, demo):
    cart = new_cart(api)
    v0 = cart["version"]
    after_add = add(api, cart["id"], {"item": demo["diavola-pizza"].pk, "quantity": 1}).json()
    line = after_add["lines"][0]["id"]
    after_patch = api.patch(f"/api/carts/{cart['id']}/items/{line}/", {"quantity": 3}, format="json").json()
    after_delete = api.delete(f"/api/carts/{cart['id']}/items/{line}/").json()
    assert v0 < after_add["version"] < after_patch["version"] < after_delete["version"]
    assert after_patch["lines"][0]["quantity"] == 3 and after_patch["total"] == "39.00"
    assert after_delete["lines"] == [] and after_delete["total"] == "0.00"


def test_get_cart_and_empty_it(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 2, []), (demo["bruschetta"], 1, []))
    fetched = api.get(f"/api/carts/{cart['id']}/").json()
    assert fetched == cart
    emptied = api.delete(f"/api/carts/{cart['id']}/items/")
    assert emptied.status_code == 200 and emptied.json()["lines"] == []


@pytest.mark.parametrize(
    "body_fn,status,code",
    [
        (lambda d: {"item": 99999, "quantity": 1}, 400, "unknown_item"),
        (lambda d: {"item": d["truffle-risotto"].pk, "quantity": 1}, 409, "item_unavailable"),
        (lambda d: {"item": d["green-salad"].pk, "quantity": 1}, 409, "out_of_stock"),
        (lambda d: {"item": d["bruschetta"].pk, "quantity": 3}, 409, "out_of_stock"),
        (
            lambda d: {
                "item": d["diavola-pizza"].pk,
                "quantity": 1,
                "options": [option_id(d["margherita-pizza"], "large")],
            },
            400,
            "invalid_option",
        ),
        (
            lambda d: {
                "item": d["margherita-pizza"].pk,
                "quantity": 1,
                "options": [
                    option_id(d["margherita-pizza"], "large"),
                    option_id(d["margherita-pizza"], "regular"),
                ],
            },
            400,
            "invalid_option",
        ),
        (lambda d: {"item": d["diavola-pizza"].pk, "quantity": 0}, 400, "invalid_quantity"),
        (lambda d: {"item": d["diavola-pizza"].pk, "quantity": 21}, 400, "invalid_quantity"),
        (lambda d: {"item": d["diavola-pizza"].pk, "quantity": 10000}, 400, "invalid_quantity"),
        (lambda d: {"item": d["diavola-pizza"].pk, "quantity": -1}, 400, "invalid_quantity"),
        (lambda d: {"item": d["diavola-pizza"].pk, "quantity": "2"}, 400, "invalid_quantity"),
        (lambda d: {"quantity": 1}, 400, "validation_error"),
    ],
)
def test_rejected_additions_change_nothing(api, demo, body_fn, status, code):
    cart = new_cart(api, (demo["diavola-pizza"], 1, []))
    response = add(api, cart["id"], body_fn(demo))
    assert response.status_code == status, response.json()
    assert error_code(response) == code
    assert api.get(f"/api/carts/{cart['id']}/").json() == cart


def test_merged_quantity_must_stay_within_limit(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 15, []))
    response = add(api, cart["id"], {"item": demo["diavola-pizza"].pk, "quantity": 6})
    assert error_code(response) == "invalid_quantity"
    assert api.get(f"/api/carts/{cart['id']}/").json()["lines"][0]["quantity"] == 15


@pytest.mark.parametrize(
    "quantity,code", [(0, "invalid_quantity"), (21, "invalid_quantity"), (3, "out_of_stock")]
)
def test_rejected_quantity_change_changes_nothing(api, demo, quantity, code):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    line = cart["lines"][0]["id"]
    response = api.patch(f"/api/carts/{cart['id']}/items/{line}/", {"quantity": quantity}, format="json")
    assert error_code(response) == code
    assert api.get(f"/api/carts/{cart['id']}/").json() == cart


def test_lowering_quantity_of_a_now_unavailable_item_is_allowed(api, demo):
    cart = new_cart(api, (demo["diavola-pizza"], 3, []))
    MenuItem.objects.filter(slug="diavola-pizza").update(is_available=False)
    line = cart["lines"][0]["id"]
    response = api.patch(f"/api/carts/{cart['id']}/items/{line}/", {"quantity": 1}, format="json")
    assert response.status_code == 200 and response.json()["lines"][0]["quantity"] == 1


def test_unknown_cart_and_line(api, demo):
    assert error_code(api.get("/api/carts/99999/")) == "cart_not_found"
    assert api.get("/api/carts/99999/").status_code == 404
    response = add(api, 99999, {"item": demo["diavola-pizza"].pk, "quantity": 1})
    assert response.status_code == 404 and error_code(response) == "cart_not_found"
    cart = new_cart(api)
    for method in (api.delete, lambda url: api.patch(url, {"quantity": 2}, format="json")):
        response = method(f"/api/carts/{cart['id']}/items/424242/")
        assert response.status_code == 404 and error_code(response) == "line_not_found"


def test_unknown_customer_id_is_rejected(api, demo):
    response = api.post("/api/carts/", {"customer": "cus_nope"}, format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"


def test_ordered_cart_is_closed(api, demo):
    from tests.conftest import place

    cart = new_cart(api, (demo["diavola-pizza"], 2, []))
    assert place(api, cart["id"]).status_code == 201
    response = add(api, cart["id"], {"item": demo["diavola-pizza"].pk, "quantity": 1})
    assert response.status_code == 409 and error_code(response) == "cart_closed"
    assert api.get(f"/api/carts/{cart['id']}/").json()["status"] == "ordered"


def test_choosing_delivery_shows_the_zone_fee_in_the_total(api, demo):
    pizza = demo["margherita-pizza"]
    cart = new_cart(api, (pizza, 2, []))
    response = api.patch(
        f"/api/carts/{cart['id']}/", {"fulfilment": "delivery", "postcode": "1012 AB"}, format="json"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["fulfilment"] == "delivery" and body["postcode"] == "1012AB"
    assert body["delivery_fee"] == "2.50"
    assert body["total"] == f"{float(body['subtotal']) + 2.50:.2f}"
    assert body["version"] > cart["version"]
    pickup = api.patch(f"/api/carts/{cart['id']}/", {"fulfilment": "pickup"}, format="json").json()
    assert pickup["delivery_fee"] == "0.00" and pickup["total"] == pickup["subtotal"]


def test_delivery_outside_the_zones_is_refused_and_changes_nothing(api, demo):
    cart = new_cart(api, (demo["margherita-pizza"], 2, []))
    response = api.patch(
        f"/api/carts/{cart['id']}/", {"fulfilment": "delivery", "postcode": "9999"}, format="json"
    )
    assert response.status_code == 400 and error_code(response) == "outside_delivery_zone"
    after = api.get(f"/api/carts/{cart['id']}/").json()
    assert (
        after["fulfilment"] is None
        and after["delivery_fee"] == "0.00"
        and after["version"] == cart["version"]
    )


def test_delivery_below_the_minimum_is_refused(api, demo):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    response = api.patch(
        f"/api/carts/{cart['id']}/", {"fulfilment": "delivery", "postcode": "1011"}, format="json"
    )
    assert response.status_code == 400 and error_code(response) == "below_minimum_order"


def test_unknown_fulfilment_is_a_validation_error(api, demo):
    cart = new_cart(api, (demo["bruschetta"], 1, []))
    response = api.patch(f"/api/carts/{cart['id']}/", {"fulfilment": "teleport"}, format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"
