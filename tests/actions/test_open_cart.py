""" "Is there an open cart?" has one answer on the assistant's side (actions/common.py): the slots name a
cart whose order was not placed, and the backend says that cart is still open (Cart.is_open)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.backend_client import BackendClient
from actions.common import current_cart, current_cart_id, has_cart_context, open_cart


def tracker(**slots: Any) -> Tracker:
    return Tracker(
        "conversation-1", slots, {"intent": {}, "entities": []}, [], False, None, {}, "action_listen"
    )


def backend(status: str, seen: list[str]) -> BackendClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.method == "POST":
            return httpx.Response(201, json={"id": 8, "status": "open"})
        return httpx.Response(200, json={"id": 7, "status": status, "lines": []})

    return BackendClient("http://backend.test", "token", transport=httpx.MockTransport(answer))


def cart_of(slots: dict[str, Any], status: str) -> tuple[int | None, list[str]]:
    seen: list[str] = []
    cart = asyncio.run(current_cart(tracker(**slots), backend(status, seen)))
    return (cart.id if cart else None), seen


def test_the_cart_the_slots_name_is_open_while_the_backend_says_so():
    assert cart_of({"cart_id": 7}, "open") == (7, ["GET /api/carts/7/"])
    assert cart_of({"cart_id": 7}, "ordered") == (None, ["GET /api/carts/7/"])


def test_no_cart_or_a_placed_order_means_no_open_cart_without_asking_the_backend():
    assert cart_of({}, "open") == (None, [])
    assert cart_of({"cart_id": 7, "checkout_stage": "placed"}, "open") == (None, [])
    assert current_cart_id(tracker(cart_id="7", checkout_stage="confirming")) == 7


def test_a_cart_the_backend_closed_is_replaced_by_a_new_one():
    seen: list[str] = []
    cart, events = asyncio.run(open_cart(tracker(cart_id=7), backend("ordered", seen)))
    assert cart.id == 8 and seen == ["GET /api/carts/7/", "POST /api/carts/"]
    assert SlotSet("cart_id", 8) in events


def test_it_and_that_one_refer_to_a_line_only_in_an_open_cart():
    assert has_cart_context(tracker(cart_id=7, last_line_id=3))
    assert not has_cart_context(tracker(cart_id=7, last_line_id=3, checkout_stage="placed"))
    assert not has_cart_context(tracker(cart_id=7))
