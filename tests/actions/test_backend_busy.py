"""A 429 from the backend (the conversation is throttled) never crashes an action: the guest gets a
polite "busy, try again in a moment", the cart and the checkout are kept, and saying yes again places
the order once. The backend here is a real local HTTP server that throttles what the test says."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from actions.backend_client import BackendBusy, BackendClient, BackendRejected, BackendUnavailable
from actions.checkout_actions import ActionPlaceOrder, begin_checkout

CART = {
    "id": 7,
    "status": "open",
    "lines": [
        {
            "id": 1,
            "item": {"id": 3, "name": "Margherita Pizza"},
            "quantity": 1,
            "unit_price": "9.50",
            "line_total": "9.50",
        }
    ],
    "item_count": 1,
    "subtotal": "9.50",
    "total": "9.50",
    "version": 3,
}
ALWAYS_OPEN = [
    {"day": day, "opens": "00:00", "closes": "00:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
]
ORDER = {
    "id": 40,
    "number": "1040",
    "status": "placed",
    "fulfilment": "pickup",
    "lines": CART["lines"],
    "subtotal": "9.50",
    "total": "9.50",
    "payment": {"method": "pay_at_counter", "status": "pending"},
}


class FakeBackend:
    def __init__(self) -> None:
        self.throttled: set[str] = set()  # "METHOD /path" answered with 429
        self.refusals: dict[str, tuple[int, dict]] = {}  # "METHOD /path" answered with this status and error
        self.bodies: dict[str, list[Any]] = {}  # the JSON bodies each "METHOD /path" was sent
        self.orders: dict[str, dict] = {}  # by Idempotency-Key
        self.requests: list[str] = []


@pytest.fixture
def backend() -> Iterator[FakeBackend]:
    fake = FakeBackend()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            call = f"{self.command} {self.path.split('?')[0]}"
            fake.requests.append(call)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if raw:
                fake.bodies.setdefault(call, []).append(json.loads(raw))
            if call in fake.throttled:
                return self._send(
                    429,
                    {
                        "error": {
                            "code": "throttled",
                            "message": "Too many requests, please slow down.",
                            "details": {},
                        }
                    },
                    {"Retry-After": "7"},
                )
            if call in fake.refusals:
                status, error = fake.refusals[call]
                return self._send(status, {"error": error})
            if call == "GET /api/carts/7/":
                return self._send(200, CART)
            if call == "GET /api/restaurant/":
                return self._send(200, {"timezone": "Europe/Amsterdam", "opening_hours": ALWAYS_OPEN})
            if call == "POST /api/orders/":
                key = self.headers["Idempotency-Key"]
                created = key not in fake.orders
                fake.orders.setdefault(key, ORDER)
                return self._send(201 if created else 200, ORDER)
            self._send(404, {"error": {"code": "not_found", "message": "Not found.", "details": {}}})

        do_GET = do_POST = do_PATCH = _answer

        def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **(headers or {})}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    wiring.use_backend(BackendClient(f"http://127.0.0.1:{server.server_port}", "token"))
    try:
        yield fake
    finally:
        wiring.use_backend(None)
        server.shutdown()
        server.server_close()


def tracker(**slots: Any) -> Tracker:
    return Tracker(
        "busy-guest",
        {"cart_id": 7, **slots},
        {"intent": {"name": "affirm", "confidence": 1.0}, "entities": [], "text": "yes"},
        [],
        False,
        None,
        {},
        "action_listen",
    )


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("text") or "" for message in dispatcher.messages]


def test_a_429_is_a_busy_error_that_every_handler_catches():
    busy = BackendBusy(7.0)
    assert isinstance(busy, BackendUnavailable) and isinstance(busy, BackendRejected)
    assert busy.code == "throttled" and busy.status == 429 and busy.retry_after == 7.0
    assert busy.message == "We're a little busy right now. Please try again in a moment."


def test_the_client_raises_busy_with_retry_after_on_429(backend: FakeBackend):
    backend.throttled.add("GET /api/carts/7/")

    async def scenario() -> BaseException:
        with pytest.raises(BackendBusy) as caught:
            await wiring.backend().cart(7)
        return caught.value

    busy = asyncio.run(scenario())
    assert busy.retry_after == 7.0


def test_a_429_when_starting_checkout_gets_the_busy_reply_and_keeps_the_cart(backend: FakeBackend):
    backend.throttled.add("GET /api/carts/7/")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(begin_checkout(dispatcher, tracker()))
    assert texts(dispatcher) == [
        "We're a little busy right now, please try again in a moment. Your cart is kept: "
        'say "checkout" again when you\'re ready.'
    ]
    assert events == [SlotSet("next_flow", "none")]  # the cart_id slot is untouched

    backend.throttled.clear()  # a moment later: the checkout starts as usual
    dispatcher = CollectingDispatcher()
    events = asyncio.run(begin_checkout(dispatcher, tracker()))
    assert SlotSet("next_flow", "checkout_form") in events


def test_a_429_when_placing_the_order_keeps_the_cart_and_the_next_yes_places_it_once(backend: FakeBackend):
    backend.throttled.add("POST /api/orders/")
    confirming = tracker(
        checkout_stage="confirming", confirmed_cart_version=3, payment_method="pay_at_counter"
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionPlaceOrder().run(dispatcher, confirming, {}))
    assert texts(dispatcher) == [
        "We're a little busy right now, so your order is NOT placed yet and nothing was "
        'charged. Your cart is kept: say "yes" again in a moment to place it.'
    ]
    assert events == [SlotSet("checkout_stage", "confirming")]
    assert backend.orders == {}

    backend.throttled.clear()
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionPlaceOrder().run(dispatcher, confirming, {}))
    assert SlotSet("checkout_stage", "placed") in events and SlotSet("last_order_id", 40) in events
    assert texts(dispatcher)[0].startswith("Order #1040 is placed!")
    assert len(backend.orders) == 1


def test_too_many_unpaid_orders_keeps_the_cart_and_asks_how_to_pay_again(backend: FakeBackend):
    message = (
        "You already have 3 orders waiting to be paid at the counter. Please collect and pay for those "
        "first, or pay for this one by card online."
    )
    backend.refusals["POST /api/orders/"] = (
        409,
        {"code": "too_many_unpaid_orders", "message": message, "details": {"limit": 3, "unpaid": 3}},
    )
    confirming = tracker(
        checkout_stage="confirming", confirmed_cart_version=3, payment_method="pay_at_counter"
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionPlaceOrder().run(dispatcher, confirming, {}))
    assert texts(dispatcher) == [f"I haven't placed this order: {message} Your cart is kept."]
    assert events == [
        SlotSet("payment_method", None),
        SlotSet("checkout_stage", None),
        FollowupAction("checkout_form"),
    ]
    assert backend.orders == {}


def test_a_price_change_after_the_summary_places_nothing_and_shows_the_new_total(backend: FakeBackend):
    backend.refusals["POST /api/orders/"] = (
        409,
        {
            "code": "total_changed",
            "message": "The total is now 9.50 EUR.",
            "details": {"expected_total": "7.00", "total": "9.50"},
        },
    )
    confirming = tracker(
        checkout_stage="confirming",
        confirmed_cart_version=3,
        confirmed_total="7.00",
        payment_method="pay_at_counter",
    )
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionPlaceOrder().run(dispatcher, confirming, {}))
    shown = texts(dispatcher)
    assert shown[0] == (
        "Our prices changed since your summary, so I haven't placed the order. "
        "The total is now €9.50 (it was €7.00). Here it is again:"
    )
    assert "Shall I place this order for €9.50?" in shown[1]
    assert events == [
        SlotSet("checkout_stage", "confirming"),
        SlotSet("confirmed_cart_version", 3),
        SlotSet("confirmed_total", "9.50"),
    ]
    assert backend.orders == {}


def test_the_yes_sends_the_total_the_guest_confirmed(backend: FakeBackend):
    confirming = tracker(
        checkout_stage="confirming",
        confirmed_cart_version=3,
        confirmed_total="9.50",
        payment_method="pay_at_counter",
    )
    asyncio.run(ActionPlaceOrder().run(CollectingDispatcher(), confirming, {}))
    assert backend.bodies["POST /api/orders/"][-1]["expected_total"] == "9.50"
