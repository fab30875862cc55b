"""Typed async client for the Django backend's REST API (docs/backend-api.md).

It knows nothing of Rasa: actions hand it ids and values and get typed models back. Every
failure becomes one of two exceptions: `BackendRejected` (the backend understood and said no,
with a guest-readable message) or `BackendUnavailable` (it could not be reached or broke).
A 429 (this conversation is throttled) is `BackendBusy`, which is both: whichever of the two an
action handles, it answers politely instead of crashing, and nothing was changed by the backend.
"""

from __future__ import annotations

import logging
import time
from contextvars import ContextVar
from decimal import Decimal
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from actions import metrics

logger = logging.getLogger(__name__)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Category(_Model):
    id: int
    slug: str
    name: str


class ItemOption(_Model):
    id: int
    group: str
    name: str
    price_delta: Decimal


class Image(_Model):
    url: str = ""
    alt: str = ""


class MenuItem(_Model):
    id: int
    slug: str
    name: str
    description: str = ""
    ingredients: list[str] = Field(default_factory=list)
    price: Decimal
    currency: str = "EUR"
    category: Category
    allergens: list[str] = Field(default_factory=list)
    dietary_tags: list[str] = Field(default_factory=list)
    mood_tags: list[str] = Field(default_factory=list)
    spice_level: int = 0
    available: bool = True
    stock: int | None = None
    image: Image | None = None
    options: list[ItemOption] = Field(default_factory=list)
    is_special: bool = False

    def options_in(self, group: str) -> list[ItemOption]:
        return [option for option in self.options if option.group == group]


class LineItemRef(_Model):
    id: int
    name: str


class CartLine(_Model):
    id: int
    item: LineItemRef
    quantity: int
    options: list[ItemOption] = Field(default_factory=list)
    unit_price: Decimal
    line_total: Decimal


class Cart(_Model):
    id: int
    status: str = "open"
    currency: str = "EUR"
    lines: list[CartLine] = Field(default_factory=list)
    item_count: int = 0
    subtotal: Decimal = Decimal("0")
    delivery_fee: Decimal = Decimal("0")
    total: Decimal = Decimal("0")
    version: int = 0
    fulfilment: str | None = None
    postcode: str | None = None

    @property
    def is_open(self) -> bool:
        """What the backend says: the cart still takes changes (not yet made into an order)."""
        return self.status == "open"


class Payment(_Model):
    method: str
    status: str
    checkout_url: str | None = None


class Order(_Model):
    id: int
    number: str
    status: str
    fulfilment: str
    lines: list[CartLine] = Field(default_factory=list)
    subtotal: Decimal
    delivery_fee: Decimal = Decimal("0")
    total: Decimal
    currency: str = "EUR"
    payment: Payment | None = None
    details_url: str | None = None
    contact_on_file: bool = False
    requested_time: str | None = None


class ReorderedLine(_Model):
    name: str
    quantity: int
    options: list[str] = Field(default_factory=list)
    previous_unit_price: Decimal


class SkippedLine(_Model):
    name: str
    reason: str


class Reorder(_Model):
    """What "order my usual" took from which past order; prices are in the cart, at today's prices."""

    order: str
    ordered_at: str
    added: list[ReorderedLine] = Field(default_factory=list)
    skipped: list[SkippedLine] = Field(default_factory=list)


class Handoff(_Model):
    id: int
    status: str
    expected_response_minutes: int | None = None
    staff_available: bool = True  # False outside opening hours: nobody can join
    phone: str = ""


class BackendError(Exception):
    """Base class of everything the client raises."""


class BackendUnavailable(BackendError):
    """The backend could not be reached, timed out or failed with a server error."""


class BackendRejected(BackendError):
    """The backend refused the request with a structured error."""

    def __init__(self, code: str, message: str, status: int, details: dict[str, Any] | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.details = details or {}


BUSY_MESSAGE = "We're a little busy right now. Please try again in a moment."


class BackendBusy(BackendUnavailable, BackendRejected):
    """The backend throttled the request (429): nothing was done; the same request may be sent again
    after `retry_after` seconds. Its `message` is the guest-readable "busy, try again in a moment"."""

    def __init__(self, retry_after: float | None = None, details: dict[str, Any] | None = None):
        BackendRejected.__init__(self, "throttled", BUSY_MESSAGE, 429, details)
        self.retry_after = retry_after


# The chat conversation the running action works for (set per action call by actions/server.py).
# Every request carries it as X-Conversation-Id, so the backend throttles reads that name no
# conversation (menu, a dish, restaurant facts) per conversation too, not in one shared bucket.
current_conversation: ContextVar[str | None] = ContextVar("backend_conversation", default=None)


class BackendClient:
    """Async client for the backend. Create one per process and share it."""

    def __init__(
        self,
        base_url: str,
        service_token: str | None,
        *,
        timeout_seconds: float = 5.0,
        menu_cache_seconds: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        # without a token the client reads as an anonymous guest does (public, throttled per address)
        auth = {"Authorization": f"Token {service_token}"} if service_token else {}
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={**auth, "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(2.0, timeout_seconds)),
            transport=transport,
        )
        self._menu_cache_seconds = menu_cache_seconds
        self._menu: list[MenuItem] | None = None
        self._menu_loaded_at = 0.0
        self._restaurant: dict[str, Any] | None = None
        self._restaurant_loaded_at = 0.0

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- transport -------------------------------------------------------------------------

    async def _request(self, method: str, path: str, *, retry: bool = False, **kwargs: Any) -> Any:
        """Send one request; `retry` only for requests that are safe to repeat."""
        attempts = 3 if retry else 1
        conversation = current_conversation.get()
        if conversation:
            kwargs["headers"] = {"X-Conversation-Id": conversation[:200], **(kwargs.get("headers") or {})}
        started = time.perf_counter()
        try:
            async for attempt in AsyncRetrying(
                stop=stop_after_attempt(attempts),
                wait=wait_exponential(multiplier=0.1, max=1.0),
                retry=retry_if_exception_type(httpx.TransportError),
                reraise=True,
            ):
                with attempt:
                    response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            logger.warning("backend unreachable: %s %s: %s", method, path, exc.__class__.__name__)
            metrics.BACKEND_ERRORS.labels("unavailable").inc()
            raise BackendUnavailable(str(exc) or exc.__class__.__name__) from exc
        finally:
            metrics.BACKEND_DURATION.labels(method).observe(time.perf_counter() - started)
        if response.status_code >= 500:
            logger.warning("backend error: %s %s -> %s", method, path, response.status_code)
            metrics.BACKEND_ERRORS.labels("unavailable").inc()
            raise BackendUnavailable(f"HTTP {response.status_code}")
        if response.status_code == 429:
            logger.warning("backend busy (throttled): %s %s", method, path)
            metrics.BACKEND_ERRORS.labels("rejected").inc()
            raise BackendBusy(_retry_after(response))
        if response.status_code >= 400:
            metrics.BACKEND_ERRORS.labels("rejected").inc()
            raise _rejection(response)
        if response.status_code == 204 or not response.content:
            return None
        return response.json()

    async def _get_all(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        params = dict(params or {}, page_size=200)
        results: list[dict[str, Any]] = []
        page = await self._request("GET", path, params=params, retry=True)
        while True:
            results.extend(page["results"] if isinstance(page, dict) else page)
            next_url = page.get("next") if isinstance(page, dict) else None
            if not next_url:
                return results
            page = await self._request("GET", next_url, retry=True)

    # -- menu and restaurant ---------------------------------------------------------------

    async def menu(self, *, fresh: bool = False) -> list[MenuItem]:
        """Every menu item, cached for a short while (stock is re-checked by the backend on add)."""
        stale = time.monotonic() - self._menu_loaded_at > self._menu_cache_seconds
        if fresh or stale or self._menu is None:
            self._menu = [MenuItem.model_validate(raw) for raw in await self.menu_records()]
            self._menu_loaded_at = time.monotonic()
        return self._menu

    async def menu_records(self) -> list[dict[str, Any]]:
        """Every item, available or not, as the backend sends it (every field, not cached): what the
        retrieval index is built from (rag/menu_source.py)."""
        return await self._get_all("/api/menu/items/")

    async def item_record(self, item_id: int) -> dict[str, Any] | None:
        """One item as the backend sends it, or None when it no longer has it (deleted)."""
        try:
            record: dict[str, Any] | None = await self._request(
                "GET", f"/api/menu/items/{int(item_id)}/", retry=True
            )
        except BackendRejected as rejection:
            if rejection.status == 404:
                return None
            raise
        return record

    def forget_menu(self) -> None:
        """Drop the cached menu (the backend said it changed); the next `menu()` reads it again."""
        self._menu = None

    async def item(self, item_id: int) -> MenuItem:
        """One dish as the backend has it now: what a price or allergen answer is read from."""
        return MenuItem.model_validate(await self._request("GET", f"/api/menu/items/{item_id}/", retry=True))

    async def search_items(self, **filters: str) -> list[MenuItem]:
        return [MenuItem.model_validate(raw) for raw in await self._get_all("/api/menu/items/", filters)]

    async def menu_version(self) -> str:
        return str((await self._request("GET", "/api/menu/version/", retry=True))["version"])

    async def restaurant(self) -> dict[str, Any]:
        """Hours, time zone, zones and contact: reused for as long as the menu, so staff's changes
        to the opening hours reach checkout's time check within that time."""
        if (
            self._restaurant is None
            or time.monotonic() - self._restaurant_loaded_at > self._menu_cache_seconds
        ):
            self._restaurant = await self._request("GET", "/api/restaurant/", retry=True)
            self._restaurant_loaded_at = time.monotonic()
        return self._restaurant

    # -- carts -----------------------------------------------------------------------------

    async def create_cart(
        self, *, conversation_id: str, channel: str = "", customer: str | None = None
    ) -> Cart:
        body = {"conversation_id": conversation_id, "channel": channel, "customer": customer}
        return Cart.model_validate(await self._request("POST", "/api/carts/", json=body))

    async def cart(self, cart_id: int) -> Cart:
        return Cart.model_validate(await self._request("GET", f"/api/carts/{cart_id}/", retry=True))

    async def add_line(self, cart_id: int, item_id: int, quantity: int, option_ids: list[int]) -> Cart:
        body = {"item": item_id, "quantity": quantity, "options": option_ids}
        return Cart.model_validate(await self._request("POST", f"/api/carts/{cart_id}/items/", json=body))

    async def set_quantity(self, cart_id: int, line_id: int, quantity: int) -> Cart:
        path = f"/api/carts/{cart_id}/items/{line_id}/"
        return Cart.model_validate(await self._request("PATCH", path, json={"quantity": quantity}))

    async def remove_line(self, cart_id: int, line_id: int) -> Cart:
        return Cart.model_validate(await self._request("DELETE", f"/api/carts/{cart_id}/items/{line_id}/"))

    async def clear_cart(self, cart_id: int) -> Cart:
        return Cart.model_validate(await self._request("DELETE", f"/api/carts/{cart_id}/items/"))

    async def set_fulfilment(self, cart_id: int, fulfilment: str, postcode: str | None) -> Cart:
        body = {"fulfilment": fulfilment, "postcode": postcode}
        return Cart.model_validate(await self._request("PATCH", f"/api/carts/{cart_id}/", json=body))

    async def reorder(self, cart_id: int, *, customer: str, which: str = "last") -> tuple[Cart, Reorder]:
        """Add a past order of the customer (the last one or their usual) to the cart at today's prices."""
        body = {"customer": customer, "which": which}
        raw = await self._request("POST", f"/api/carts/{cart_id}/reorder/", json=body)
        return Cart.model_validate(raw), Reorder.model_validate(raw["reorder"])

    # -- orders ----------------------------------------------------------------------------

    async def place_order(
        self,
        *,
        cart_id: int,
        idempotency_key: str,
        fulfilment: str,
        payment_method: str,
        postcode: str | None = None,
        requested_time: str | None = None,
        conversation_id: str = "",
        customer: str | None = None,
        expected_total: str | None = None,
    ) -> Order:
        """Create the order; safe to retry because the backend dedupes on the idempotency key. With
        `expected_total` (what the guest confirmed) a different total is refused: total_changed."""
        body = {
            "cart": cart_id,
            "fulfilment": fulfilment,
            "postcode": postcode,
            "requested_time": requested_time,
            "payment_method": payment_method,
            "conversation_id": conversation_id,
            "customer": customer,
            **({"expected_total": expected_total} if expected_total is not None else {}),
        }
        raw = await self._request(
            "POST", "/api/orders/", json=body, headers={"Idempotency-Key": idempotency_key}, retry=True
        )
        return Order.model_validate(raw)

    async def order(self, order_id: int) -> Order:
        return Order.model_validate(await self._request("GET", f"/api/orders/{order_id}/", retry=True))

    async def order_by_number(
        self, number: str, *, conversation_id: str, customer: str | None = None
    ) -> Order:
        """The order, only if this conversation placed it or this signed-in customer owns it; any
        other order answers like an unknown number (BackendRejected order_not_found)."""
        params = {"conversation_id": conversation_id, **({"customer": customer} if customer else {})}
        raw = await self._request("GET", f"/api/orders/by-number/{number}/", params=params, retry=True)
        return Order.model_validate(raw)

    async def request_handoff(
        self, *, conversation_id: str, reason: str, customer: str | None = None
    ) -> Handoff:
        body = {"conversation_id": conversation_id, "reason": reason, "customer": customer}
        return Handoff.model_validate(await self._request("POST", "/api/handoffs/", json=body))


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return None


def _rejection(response: httpx.Response) -> BackendRejected:
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    return BackendRejected(
        code=error.get("code", "error"),
        message=error.get("message", "The restaurant system refused that request."),
        status=response.status_code,
        details=error.get("details"),
    )
