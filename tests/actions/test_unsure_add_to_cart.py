"""An add to cart that times out may still have been applied: the guest is told what is true."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from actions.backend_client import BackendClient
from actions.order_actions import ActionAddOrderLine

ITEM = {
    "id": 7,
    "slug": "tiramisu",
    "name": "Tiramisu",
    "price": "6.50",
    "category": {"id": 1, "slug": "desserts", "name": "Desserts"},
    "options": [],
}


class Backend:
    """The cart API over a transport: the add is applied, then the answer never arrives."""

    def __init__(self, *, reachable_after_timeout: bool) -> None:
        self.lines: list[dict] = []
        self.reachable_after_timeout = reachable_after_timeout
        self.timed_out = False

    def cart(self) -> dict:
        count = sum(line["quantity"] for line in self.lines)
        total = f"{6.5 * count:.2f}"
        return {
            "id": 1,
            "status": "open",
            "lines": self.lines,
            "item_count": count,
            "subtotal": total,
            "total": total,
        }

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/api/menu/items/":
            return httpx.Response(200, json=[ITEM])
        if self.timed_out and not self.reachable_after_timeout:
            raise httpx.ConnectError("backend down", request=request)
        if path == "/api/carts/1/" and request.method == "GET":
            return httpx.Response(200, json=self.cart())
        if path == "/api/carts/1/items/" and request.method == "POST":
            body = json.loads(request.content)
            self.lines.append(
                {
                    "id": 11,
                    "item": {"id": 7, "name": "Tiramisu"},
                    "quantity": body["quantity"],
                    "options": [],
                    "unit_price": "6.50",
                    "line_total": "13.00",
                }
            )
            self.timed_out = True
            raise httpx.ReadTimeout("no answer in time", request=request)
        return httpx.Response(404, json={"error": {"code": "nope", "message": "nope", "details": {}}})


def add_two_tiramisu(monkeypatch: pytest.MonkeyPatch, backend: Backend) -> tuple[str, list]:
    async def scenario() -> tuple[str, list]:
        client = BackendClient("http://backend", "token", transport=httpx.MockTransport(backend.handle))
        monkeypatch.setattr(wiring, "backend", lambda: client)
        tracker = Tracker(
            "guest-1",
            {
                "cart_id": 1,
                "dish_id": 7,
                "dish": "tiramisu",
                "quantity": "2",
                "size": None,
                "extras": [],
                "order_queue": [],
                "checkout_stage": None,
            },
            {"intent": {"name": "inform"}, "entities": [], "text": "2"},
            [],
            False,
            None,
            {},
            "action_listen",
        )
        dispatcher = CollectingDispatcher()
        events = await ActionAddOrderLine().run(dispatcher, tracker, {})
        await client.aclose()
        return "\n".join(message.get("text") or "" for message in dispatcher.messages), events

    return asyncio.run(scenario())


def test_a_timed_out_add_that_was_applied_is_reported_as_added(monkeypatch):
    reply, events = add_two_tiramisu(monkeypatch, Backend(reachable_after_timeout=True))
    assert "Nothing has changed" not in reply
    assert "Added 2 × Tiramisu" in reply
    assert {"event": "slot", "name": "last_line_id", "value": 11} in [
        {k: event.get(k) for k in ("event", "name", "value")} for event in events
    ]


def test_a_timed_out_add_with_the_backend_gone_says_it_is_not_sure(monkeypatch):
    reply, _ = add_two_tiramisu(monkeypatch, Backend(reachable_after_timeout=False))
    assert "Nothing has changed" not in reply
    assert "not sure" in reply and "what's in my cart?" in reply
