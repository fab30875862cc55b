"""Cart and order representations (money as two-place strings, customers as opaque ids); the request
bodies are apps.ordering.inputs."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse
from rest_framework import serializers

from apps.common.money import money
from apps.ordering.checkout import details_link_token
from apps.ordering.models import Cart, Order
from apps.ordering.pricing import price_cart
from apps.restaurant.models import get_restaurant
from apps.restaurant.services import find_zone


def _line_options(options: list[Any]) -> list[dict[str, Any]]:
    return [
        {"id": o.pk, "group": o.group, "name": o.name, "price_delta": money(o.price_delta)} for o in options
    ]


def cart_data(cart: Cart) -> dict[str, Any]:
    cart.refresh_from_db()
    totals = price_cart(cart)
    fee = _quoted_fee(cart, totals.subtotal)
    return {
        "id": cart.pk,
        "status": cart.status,
        "customer": cart.customer.public_id if cart.customer else None,
        "currency": cart.currency,
        "lines": [
            {
                "id": p.line.pk,
                "item": {"id": p.line.item_id, "name": p.line.item.name},
                "quantity": p.line.quantity,
                "options": _line_options(p.options),
                "unit_price": money(p.unit_price),
                "line_total": money(p.line_total),
            }
            for p in totals.lines
        ],
        "item_count": totals.item_count,
        "subtotal": money(totals.subtotal),
        "delivery_fee": money(fee),
        "total": money(totals.subtotal + fee),
        "version": cart.version,
        "fulfilment": cart.fulfilment or None,
        "postcode": cart.postcode or None,
    }


def _quoted_fee(cart: Cart, subtotal: Decimal) -> Decimal:
    """The delivery fee for the cart's chosen postcode (the minimum order is checked when ordering)."""
    if cart.fulfilment != Order.Fulfilment.DELIVERY:
        return Decimal("0.00")
    zone = find_zone(get_restaurant(), cart.postcode)
    return zone.fee if zone else Decimal("0.00")


def iso(value: Any) -> str | None:
    return serializers.DateTimeField().to_representation(value) if value else None


def order_data(order: Order) -> dict[str, Any]:
    payment = getattr(order, "payment", None)
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "fulfilment": order.fulfilment,
        "postcode": order.postcode,
        "requested_time": iso(order.requested_time),
        "customer": order.customer.public_id if order.customer else None,
        "lines": [
            {
                "id": line.pk,
                "item": {"id": line.item_id, "name": line.item_name},
                "quantity": line.quantity,
                "options": line.options,
                "unit_price": money(line.unit_price),
                "line_total": money(line.line_total),
            }
            for line in order.lines.all()
        ],
        "subtotal": money(order.subtotal),
        "delivery_fee": money(order.delivery_fee),
        "total": money(order.total),
        "currency": order.currency,
        "payment": {
            "method": payment.method,
            "status": payment.status,
            "checkout_url": payment.checkout_url,
        }
        if payment
        else None,
        "details_url": settings.PUBLIC_BASE_URL
        + reverse("checkout-details", kwargs={"token": details_link_token(order)}),
        "contact_on_file": contact_on_file(order),
        "created_at": iso(order.created_at),
        "cancellable_until": iso(order.cancellable_until),
    }


def contact_on_file(order: Order) -> bool:
    """No details form is needed: the guest can be reached and, for a delivery, the order has its address
    (taken from the account when it is saved there for this postcode; never from the chat)."""
    customer = order.customer
    if customer is None or not customer.can_be_reached():
        return False
    return order.fulfilment == Order.Fulfilment.PICKUP or bool(order.delivery_address)
