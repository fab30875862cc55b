"""The order as a Square Orders API CreateOrder request (POST /v2/orders), and its withdrawal as an
UpdateOrder request (PUT /v2/orders/{order_id}) that sets the state to CANCELED.

Money comes from the order's snapshots (OrderLine.unit_price and the option price deltas recorded
at ordering time), never from today's menu, in minor units (cents) as Square expects.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from apps.ordering.models import Order, OrderLine


def minor_units(amount: Decimal | str) -> int:
    """Two-place amounts (all this backend stores) as integer cents."""
    return int((Decimal(amount) * 100).to_integral_value())


def _money(amount: Decimal | str, currency: str) -> dict[str, Any]:
    return {"amount": minor_units(amount), "currency": currency}


def _line_item(line: OrderLine, currency: str) -> dict[str, Any]:
    options = line.options or []
    deltas = sum((Decimal(o.get("price_delta", "0")) for o in options), Decimal("0.00"))
    item: dict[str, Any] = {
        "name": line.item_name,
        "quantity": str(line.quantity),
        # unit_price includes the options; Square adds modifiers on top of the base price.
        "base_price_money": _money(line.unit_price - deltas, currency),
        "modifiers": [
            {"name": o["name"], "base_price_money": _money(o.get("price_delta", "0"), currency)}
            for o in options
        ],
    }
    if options:  # group context for ticket printers that only show the note
        item["note"] = "; ".join(f"{o.get('group', '')}: {o['name']}".lstrip(": ") for o in options)
    return item


def _fulfillment(order: Order) -> dict[str, Any]:
    customer = order.customer
    recipient: dict[str, Any] = {
        "display_name": (customer.name if customer else "") or f"Order {order.number}"
    }
    if customer and customer.phone:
        recipient["phone_number"] = customer.phone
    schedule: dict[str, Any] = {"schedule_type": "SCHEDULED" if order.requested_time else "ASAP"}
    if order.fulfilment == Order.Fulfilment.DELIVERY:
        address = {"postal_code": order.postcode or ""}
        if order.delivery_address:
            address["address_line_1"] = order.delivery_address
        recipient["address"] = address
        if order.requested_time:
            schedule["deliver_at"] = order.requested_time.isoformat()
        return {
            "type": "DELIVERY",
            "state": "PROPOSED",
            "delivery_details": {"recipient": recipient, **schedule},
        }
    if order.requested_time:
        schedule["pickup_at"] = order.requested_time.isoformat()
    return {"type": "PICKUP", "state": "PROPOSED", "pickup_details": {"recipient": recipient, **schedule}}


def create_order_request(order: Order, location_id: str, idempotency_key: str) -> dict[str, Any]:
    currency = order.currency
    payment = getattr(order, "payment", None)
    body: dict[str, Any] = {
        "location_id": location_id,
        "reference_id": order.number or str(order.pk),
        "source": {"name": "Restaurant assistant"},
        "line_items": [_line_item(line, currency) for line in order.lines.all()],
        "fulfillments": [_fulfillment(order)],
        "metadata": {
            "order_id": str(order.pk),
            "order_number": order.number or "",
            "total": str(minor_units(order.total)),
            "payment_method": payment.method if payment else "",
            "payment_status": payment.status if payment else "",
        },
    }
    if order.delivery_fee:
        body["service_charges"] = [
            {
                "name": "Delivery",
                "amount_money": _money(order.delivery_fee, currency),
                "calculation_phase": "TOTAL_PHASE",
            }
        ]
    return {"idempotency_key": idempotency_key, "order": body}


def cancel_order_request(location_id: str, version: int | None, idempotency_key: str) -> dict[str, Any]:
    """UpdateOrder to CANCELED; `version` is the one CreateOrder answered (Square's optimistic lock)."""
    order: dict[str, Any] = {"location_id": location_id, "state": "CANCELED"}
    if version is not None:
        order["version"] = version
    return {"idempotency_key": idempotency_key, "order": order}
