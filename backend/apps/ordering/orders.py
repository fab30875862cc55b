"""Placing orders (idempotent, never overselling) and moving them through their lifecycle."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from apps.common.errors import ApiError
from apps.customers.models import Customer
from apps.menu.changes import note_menu_change
from apps.menu.models import MenuItem
from apps.ordering.caps import check_unpaid_orders
from apps.ordering.carts import check_orderable, lock_open_cart
from apps.ordering.models import Cart, Order, OrderLine, OrderStatusChange
from apps.ordering.pricing import delivery_fee, price_cart
from apps.ordering.signals import order_status_changed
from apps.payments.services import refund_if_paid, start_payment
from apps.restaurant.models import Restaurant, get_restaurant
from apps.restaurant.services import cancellable_until, is_open_at, normalise_postcode

S = Order.Status
TRANSITIONS: dict[str, set[str]] = {
    S.PLACED: {S.CONFIRMED, S.CANCELLED, S.REJECTED},
    S.CONFIRMED: {S.PREPARING, S.CANCELLED, S.REJECTED},
    S.PREPARING: {S.READY, S.OUT_FOR_DELIVERY, S.CANCELLED, S.REJECTED},
    S.READY: {S.OUT_FOR_DELIVERY, S.COMPLETED},
    S.OUT_FOR_DELIVERY: {S.COMPLETED},
    S.COMPLETED: set(),
    S.CANCELLED: set(),
    S.REJECTED: set(),
}


@dataclass(frozen=True)
class OrderRequest:
    cart_id: int
    fulfilment: str
    postcode: str | None
    requested_time: datetime | None
    payment_method: str
    customer: Customer | None
    conversation_id: str
    expected_total: Decimal | None = None  # what the guest confirmed; None = whatever it comes to

    def fingerprint(self) -> str:
        """What must match for a replayed Idempotency-Key to count as the same request."""
        canonical = json.dumps(
            [
                self.cart_id,
                self.fulfilment,
                normalise_postcode(self.postcode or ""),
                self.requested_time.isoformat() if self.requested_time else None,
                self.payment_method,
            ]
            + ([f"{self.expected_total:.2f}"] if self.expected_total is not None else []),
        )
        return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class PlacedOrder:
    order: Order
    created: bool


def _replay(key: str, fingerprint: str) -> PlacedOrder | None:
    existing = Order.objects.filter(idempotency_key=key).first()
    if existing is None:
        return None
    if existing.request_fingerprint != fingerprint:
        raise ApiError(
            "idempotency_key_reused",
            "This request key was already used for a different order.",
            422,
            {"order": existing.pk},
        )
    return PlacedOrder(existing, created=False)


def _check_time(restaurant: Restaurant, req: OrderRequest) -> None:
    if req.requested_time is None:
        return
    if req.requested_time < timezone.now():
        raise ApiError(
            "validation_error",
            "That time has already passed.",
            details={"requested_time": ["Must be in the future."]},
        )
    if not is_open_at(restaurant, req.requested_time):
        raise ApiError(
            "closed_at_requested_time",
            "We're closed at that time. Please pick a time within our opening hours.",
            400,
            {"requested_time": req.requested_time.isoformat()},
        )


def _take_stock(cart_lines: list[Any]) -> list[int]:
    """Decrement stock with conditional updates; any shortfall aborts the whole transaction."""
    needed: dict[int, int] = {}
    for priced in cart_lines:
        needed[priced.line.item_id] = needed.get(priced.line.item_id, 0) + priced.line.quantity
    changed = []
    for item_id, quantity in sorted(needed.items()):  # fixed order: no lock-order deadlocks
        item = MenuItem.objects.get(pk=item_id)
        check_orderable(item, quantity)
        if item.stock is None:
            continue
        updated = MenuItem.objects.filter(pk=item_id, stock__gte=quantity).update(stock=F("stock") - quantity)
        if not updated:
            item.refresh_from_db(fields=["stock"])
            check_orderable(item, quantity)
            raise ApiError("out_of_stock", f"Sorry, {item.name} just sold out.", 409, {"item": item_id})
        changed.append(item_id)
    return changed


def place_order(req: OrderRequest, idempotency_key: str) -> PlacedOrder:
    fingerprint = req.fingerprint()
    replay = _replay(idempotency_key, fingerprint)
    if replay:
        return replay
    try:
        with transaction.atomic():
            cart = lock_open_cart_or_replay(req.cart_id, idempotency_key, fingerprint)
            if isinstance(cart, PlacedOrder):
                return cart
            return PlacedOrder(_create(cart, req, idempotency_key, fingerprint), created=True)
    except IntegrityError:
        # A concurrent request with the same key won the race; answer with its order.
        replay = _replay(idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay


def lock_open_cart_or_replay(cart_id: int, key: str, fingerprint: str) -> Cart | PlacedOrder:
    """Lock the cart first, then re-check the key: a request that waited on the lock sees the
    order its twin just committed instead of a closed cart."""
    try:
        return lock_open_cart(cart_id)
    except ApiError as error:
        if error.code == "cart_closed":
            replay = _replay(key, fingerprint)
            if replay:
                return replay
        raise


def _check_total(total: Decimal, expected: Decimal | None, currency: str) -> None:
    """An order is placed only at the total the guest said yes to (a price may change in between)."""
    if expected is not None and total != expected:
        raise ApiError(
            "total_changed",
            f"The total is now {total:.2f} {currency}, not the {expected:.2f} {currency} you confirmed.",
            409,
            {"expected_total": f"{expected:.2f}", "total": f"{total:.2f}"},
        )


def _create(cart: Cart, req: OrderRequest, key: str, fingerprint: str) -> Order:
    restaurant = get_restaurant()
    if req.payment_method not in (restaurant.payment_methods or []):
        raise ApiError(
            "validation_error",
            "That payment method isn't offered.",
            details={"payment_method": [f"Choose one of {restaurant.payment_methods}."]},
        )
    # The order is the account's named in this request (the identity proven when the guest said yes):
    # a cart linked while an earlier token was valid does not make a guest's order theirs.
    check_unpaid_orders(req.conversation_id or cart.conversation_id, req.customer, req.payment_method)
    totals = price_cart(cart)
    if not totals.lines:
        raise ApiError("cart_empty", "Your cart is empty. Add a dish first.", 400, {"cart": cart.pk})
    fee = delivery_fee(restaurant, req.fulfilment, req.postcode, totals.subtotal)
    _check_total(totals.subtotal + fee, req.expected_total, restaurant.currency)
    _check_time(restaurant, req)
    now = timezone.now()
    customer = req.customer
    delivery = req.fulfilment == Order.Fulfilment.DELIVERY
    order = Order.objects.create(
        idempotency_key=key,
        request_fingerprint=fingerprint,
        cart=cart,
        customer=customer,
        fulfilment=req.fulfilment,
        postcode=req.postcode if delivery else None,
        delivery_address=customer.address
        if delivery and customer and customer.delivers_to(req.postcode)
        else "",
        requested_time=req.requested_time,
        subtotal=totals.subtotal,
        delivery_fee=fee,
        total=totals.subtotal + fee,
        currency=restaurant.currency,
        conversation_id=req.conversation_id or cart.conversation_id,
        cancellable_until=cancellable_until(restaurant, now),
    )
    order.number = str(1000 + order.pk)
    order.save(update_fields=["number"])
    changed_items = _take_stock(totals.lines)
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            item=p.line.item,
            item_name=p.line.item.name,
            quantity=p.line.quantity,
            options=[
                {"id": o.pk, "group": o.group, "name": o.name, "price_delta": f"{o.price_delta:.2f}"}
                for o in p.options
            ],
            unit_price=p.unit_price,
            line_total=p.line_total,
        )
        for p in totals.lines
    )
    Cart.objects.filter(pk=cart.pk).update(status=Cart.Status.ORDERED, version=F("version") + 1)
    start_payment(order, req.payment_method)
    _record_status(order, None, S.PLACED, actor="guest")
    if changed_items:
        note_menu_change(changed_items)
    return order


def _record_status(order: Order, previous: str | None, status: str, actor: str) -> None:
    """Record the change and announce it (metrics, webhooks, notifications, kitchen subscribe)."""
    OrderStatusChange.objects.create(order=order, previous_status=previous, status=status, actor=actor)
    order_status_changed.send(sender=Order, order=order, previous=previous, status=status, actor=actor)


def _restock(order: Order) -> None:
    changed = []
    for line in order.lines.exclude(item=None):
        if MenuItem.objects.filter(pk=line.item_id, stock__isnull=False).update(
            stock=F("stock") + line.quantity
        ):
            changed.append(line.item_id)
    if changed:
        note_menu_change(changed)


def allowed_next(order: Order) -> set[str]:
    """The statuses this order may move to next: only a delivery goes out for delivery."""
    allowed = TRANSITIONS.get(order.status, set())
    if order.fulfilment != Order.Fulfilment.DELIVERY:
        allowed = allowed - {S.OUT_FOR_DELIVERY}
    return allowed


def set_status(order_id: int, new_status: str, actor: str, enforce_window: bool) -> Order:
    """Move an order along its lifecycle; cancelling or rejecting restocks and refunds."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None:
            raise ApiError("order_not_found", "We couldn't find that order.", 404, {"order": order_id})
        previous = order.status
        allowed = allowed_next(order)
        if new_status not in allowed:
            if new_status == S.CANCELLED and previous not in (S.COMPLETED, S.CANCELLED):
                raise ApiError(
                    "cancellation_window_passed",
                    "Sorry, your order is already being prepared and can't be cancelled now.",
                    409,
                    {"order": order.pk, "status": previous},
                )
            raise ApiError(
                "invalid_status_transition",
                f"An order that is {previous.replace('_', ' ')} can't become "
                f"{str(new_status).replace('_', ' ')}.",
                409,
                {"order": order.pk, "status": previous, "requested": new_status, "allowed": sorted(allowed)},
            )
        if new_status == S.CANCELLED and enforce_window and timezone.now() > order.cancellable_until:
            raise ApiError(
                "cancellation_window_passed",
                "Sorry, the time to cancel this order has passed. Please call us.",
                409,
                {"order": order.pk, "cancellable_until": order.cancellable_until.isoformat()},
            )
        order.status = new_status
        order.save(update_fields=["status", "updated_at"])
        if new_status in (S.CANCELLED, S.REJECTED):
            _restock(order)
            refund_if_paid(order)
        _record_status(order, previous, new_status, actor=actor)
    return order
