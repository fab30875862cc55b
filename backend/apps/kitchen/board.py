"""What the kitchen page shows: open orders, oldest first, and the next steps staff may take."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from apps.common.money import money
from apps.ordering.models import Order
from apps.ordering.orders import allowed_next
from apps.payments.models import Payment
from apps.restaurant.models import get_restaurant

S = Order.Status
OPEN = [S.PLACED, S.CONFIRMED, S.PREPARING, S.READY, S.OUT_FOR_DELIVERY]
# Button order and wording, forward steps first.
ACTIONS: dict[str, str] = {
    S.CONFIRMED: "Confirm",
    S.PREPARING: "Start preparing",
    S.READY: "Ready",
    S.OUT_FOR_DELIVERY: "Out for delivery",
    S.COMPLETED: "Complete",
    S.REJECTED: "Reject",
    S.CANCELLED: "Cancel",
}


def next_statuses(order: Order) -> list[str]:
    allowed = allowed_next(order)
    return [status for status in ACTIONS if status in allowed]


def open_orders() -> QuerySet[Order]:
    return (
        Order.objects.filter(status__in=OPEN)
        .select_related("customer", "payment")
        .prefetch_related("lines", "pos_submissions")
        .order_by("created_at", "id")
    )


def _zone() -> ZoneInfo:
    try:
        return ZoneInfo(get_restaurant().timezone)
    except Exception:
        return timezone.get_current_timezone()


def order_card(order: Order, zone: ZoneInfo | None = None) -> dict[str, Any]:
    zone = zone or _zone()
    return {
        "id": order.pk,
        "number": order.number,
        "status": order.status,
        "status_label": order.get_status_display(),
        "created_at": order.created_at.isoformat(),
        "time": timezone.localtime(order.created_at, zone).strftime("%H:%M"),
        "requested_time": (
            timezone.localtime(order.requested_time, zone).strftime("%H:%M") if order.requested_time else None
        ),
        "fulfilment": order.fulfilment,
        "postcode": order.postcode,
        "deliver_to": deliver_to(order),
        "lines": [
            {
                "name": line.item_name,
                "quantity": line.quantity,
                "options": [o.get("name", "") for o in line.options or []],
            }
            for line in order.lines.all()
        ],
        "total": money(order.total),
        "currency": order.currency,
        "pos": [
            {
                "adapter": s.adapter,
                "status": s.status,
                "external_id": s.external_id,
                "last_error": s.last_error,
                "attempts": s.attempts,
            }
            for s in order.pos_submissions.all()
        ],
        "next": [{"status": status, "label": ACTIONS[status]} for status in next_statuses(order)],
        "payment": payment_state(order),
    }


PAY = Payment.Status
METHOD_LABELS = {Payment.Method.CARD_ONLINE: "card online", Payment.Method.PAY_AT_COUNTER: "at the counter"}


def payment_state(order: Order) -> dict[str, Any]:
    """Paid or not, and how, in the words staff read before handing the order over."""
    try:
        payment = order.payment
    except Payment.DoesNotExist:
        return {"paid": False, "method": None, "status": None, "label": "Unpaid (no payment chosen)"}
    method = payment.method
    online = method == Payment.Method.CARD_ONLINE
    if payment.status == PAY.SUCCEEDED:
        label = "Paid (card online)" if online else "Paid (at the counter)"
    elif payment.status == PAY.REFUNDED:
        label = f"Refunded ({METHOD_LABELS.get(method, method)})"
    elif not online:
        label = "Unpaid (pay at counter)"
    elif payment.status == PAY.FAILED:
        label = "Unpaid (card payment failed)"
    elif payment.status == PAY.CANCELLED:
        label = "Unpaid (card payment cancelled)"
    else:
        label = "Unpaid (card online, awaiting payment)"
    return {
        "paid": payment.status == PAY.SUCCEEDED,
        "method": method,
        "status": payment.status,
        "label": label,
    }


def deliver_to(order: Order) -> str | None:
    """Name, address and phone for the driver (this page is staff only); None until the guest's details are in."""
    if order.fulfilment != Order.Fulfilment.DELIVERY or not order.delivery_address:
        return None
    customer = order.customer
    parts = (
        customer.name if customer else "",
        order.delivery_address,
        order.postcode,
        customer.phone if customer else "",
    )
    return ", ".join(part for part in parts if part)


def board() -> list[dict[str, Any]]:
    zone = _zone()
    return [order_card(order, zone) for order in open_orders()]
