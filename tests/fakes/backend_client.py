"""An in-memory stand-in for actions.backend_client.BackendClient, for unit tests of the actions.

It answers with the client's own models (Cart, MenuItem, Order, Reorder) and keeps its carts and
orders, so a test asserts what the guest would see and what the backend would hold. The backend's
own rules (prices, totals, idempotency) are the backend's tests' business; here the totals are
simply what this backend says, which is all the actions may show.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from actions.backend_client import BackendRejected, BackendUnavailable, Cart, MenuItem, Order, Reorder

CATEGORY = {"id": 1, "slug": "mains", "name": "Mains"}
MENU = [
    MenuItem.model_validate(
        {"id": 3, "slug": "margherita", "name": "Margherita Pizza", "price": "9.50", "category": CATEGORY}
    ),
    MenuItem.model_validate(
        {
            "id": 7,
            "slug": "tiramisu",
            "name": "Tiramisu",
            "price": "6.50",
            "category": {"id": 2, "slug": "desserts", "name": "Desserts"},
        }
    ),
]
ALWAYS_OPEN = [
    {"day": day, "opens": "00:00", "closes": "00:00"}
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
]
# Only the backend knows the fee: a total the actions could not have computed from the lines.
SERVICE_FEE = Decimal("0.75")


class StubBackend:
    """The calls the order, checkout and account actions make. `down` makes every call an outage;
    `refuse[name]` makes the call `name` refused with that error."""

    def __init__(self) -> None:
        self.down = False
        self.refuse: dict[str, BackendRejected] = {}
        self.carts: dict[int, dict[str, Any]] = {}
        self.orders: dict[str, Order] = {}  # by idempotency key
        self.history: dict[str, list[tuple[int, int]]] = {}  # customer → (item id, quantity) last ordered
        self.calls: list[str] = []

    def _call(self, name: str) -> None:
        self.calls.append(name)
        if self.down:
            raise BackendUnavailable("connection refused")
        if name in self.refuse:
            raise self.refuse[name]

    def _cart(self, cart_id: int) -> Cart:
        state = self.carts[cart_id]
        lines = []
        for line_id, (item_id, quantity) in sorted(state["lines"].items()):
            item = next(item for item in MENU if item.id == item_id)
            lines.append(
                {
                    "id": line_id,
                    "item": {"id": item.id, "name": item.name},
                    "quantity": quantity,
                    "unit_price": item.price,
                    "line_total": item.price * quantity,
                }
            )
        subtotal = sum((Decimal(line["line_total"]) for line in lines), Decimal("0"))
        return Cart.model_validate(
            {
                "id": cart_id,
                "status": state["status"],
                "lines": lines,
                "version": state["version"],
                "item_count": sum(line["quantity"] for line in lines),
                "subtotal": subtotal,
                "total": subtotal + SERVICE_FEE if lines else subtotal,
                "fulfilment": state.get("fulfilment"),
            }
        )

    def _change(self, cart_id: int) -> Cart:
        self.carts[cart_id]["version"] += 1
        return self._cart(cart_id)

    async def menu(self, *, fresh: bool = False) -> list[MenuItem]:
        self._call("menu")
        return list(MENU)

    async def restaurant(self) -> dict[str, Any]:
        self._call("restaurant")
        return {"name": "Harbour & Hearth", "timezone": "Europe/Amsterdam", "opening_hours": ALWAYS_OPEN}

    async def create_cart(
        self, *, conversation_id: str, channel: str = "", customer: str | None = None
    ) -> Cart:
        self._call("create_cart")
        cart_id = 100 + len(self.carts)
        self.carts[cart_id] = {"status": "open", "lines": {}, "version": 0, "customer": customer}
        return self._cart(cart_id)

    async def cart(self, cart_id: int) -> Cart:
        self._call("cart")
        return self._cart(cart_id)

    async def add_line(self, cart_id: int, item_id: int, quantity: int, option_ids: list[int]) -> Cart:
        self._call("add_line")
        lines = self.carts[cart_id]["lines"]
        line_id = next((key for key, (item, _) in lines.items() if item == item_id), 10 + len(lines))
        lines[line_id] = (item_id, lines.get(line_id, (item_id, 0))[1] + quantity)
        return self._change(cart_id)

    async def set_quantity(self, cart_id: int, line_id: int, quantity: int) -> Cart:
        self._call("set_quantity")
        lines = self.carts[cart_id]["lines"]
        lines[line_id] = (lines[line_id][0], quantity)
        return self._change(cart_id)

    async def remove_line(self, cart_id: int, line_id: int) -> Cart:
        self._call("remove_line")
        del self.carts[cart_id]["lines"][line_id]
        return self._change(cart_id)

    async def set_fulfilment(self, cart_id: int, fulfilment: str, postcode: str | None) -> Cart:
        self._call("set_fulfilment")
        self.carts[cart_id]["fulfilment"] = fulfilment
        return self._cart(cart_id)

    async def place_order(
        self, *, cart_id: int, idempotency_key: str, fulfilment: str, payment_method: str, **details: Any
    ) -> Order:
        self._call("place_order")
        if idempotency_key not in self.orders:
            cart = self._cart(cart_id)
            self.carts[cart_id]["status"] = "ordered"
            self.orders[idempotency_key] = Order.model_validate(
                {
                    "id": 40 + len(self.orders),
                    "number": str(1001 + len(self.orders)),
                    "status": "placed",
                    "fulfilment": fulfilment,
                    "lines": [line.model_dump() for line in cart.lines],
                    "subtotal": cart.subtotal,
                    "total": cart.total,
                    "payment": {"method": payment_method, "status": "pending"},
                }
            )
        return self.orders[idempotency_key]

    async def reorder(self, cart_id: int, *, customer: str, which: str = "last") -> tuple[Cart, Reorder]:
        self._call("reorder")
        if customer not in self.history:
            raise BackendRejected("no_order_history", "No earlier order.", 404)
        for item_id, quantity in self.history[customer]:
            await self.add_line(cart_id, item_id, quantity, [])
        added = [
            {
                "name": next(i.name for i in MENU if i.id == item_id),
                "quantity": quantity,
                "previous_unit_price": "8.00",
            }
            for item_id, quantity in self.history[customer]
        ]
        return self._cart(cart_id), Reorder.model_validate(
            {"order": "990", "ordered_at": "2026-11-30T19:00:00+01:00", "added": added}
        )
