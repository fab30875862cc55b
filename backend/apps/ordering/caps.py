"""Caps against order flooding: what one chat conversation (or one customer) may have at once.

An anonymous guest could otherwise open cart after cart, or place pay-at-counter order after order
(each one takes stock off the menu until staff cancel it), from one conversation. The caps:

- MAX_OPEN_CARTS_PER_CONVERSATION (default 3): carts still open in the conversation, and for a
  customer their open carts touched in the last day (older ones are long forgotten, not a flood).
  Refused with 409 `too_many_open_carts`.
- MAX_UNPAID_ORDERS_PER_CONVERSATION (default 3): pay-at-counter orders not yet paid and not yet
  collected (still placed ... out for delivery) in the conversation, or of the customer. A further
  pay-at-counter order is refused with 409 `too_many_unpaid_orders`; paying by card is still possible.

0 turns a cap off. The checks run inside the order's transaction; two orders racing from one
conversation may both pass the last free place (the cap is a brake, not an exact count).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.common.errors import ApiError
from apps.customers.models import Customer
from apps.ordering.models import Cart, Order
from apps.payments.models import Payment

CONFLICT = 409
UNCOLLECTED = (
    Order.Status.PLACED,
    Order.Status.CONFIRMED,
    Order.Status.PREPARING,
    Order.Status.READY,
    Order.Status.OUT_FOR_DELIVERY,
)


def _whose(conversation_id: str, customer: Customer | None) -> Q | None:
    query = Q(conversation_id=conversation_id) if conversation_id else None
    if customer is not None:
        query = Q(customer=customer) if query is None else query | Q(customer=customer)
    return query


def check_open_carts(conversation_id: str, customer: Customer | None) -> None:
    cap = settings.MAX_OPEN_CARTS_PER_CONVERSATION
    if cap <= 0:
        return
    open_carts = Cart.objects.filter(status=Cart.Status.OPEN)
    count = open_carts.filter(conversation_id=conversation_id).count() if conversation_id else 0
    if customer is not None:
        recent = timezone.now() - timedelta(days=1)
        count = max(count, open_carts.filter(customer=customer, updated_at__gte=recent).count())
    if count >= cap:
        raise ApiError(
            "too_many_open_carts",
            "You already have several carts open. Please carry on with your current cart.",
            CONFLICT,
            {"limit": cap},
        )


def check_unpaid_orders(conversation_id: str, customer: Customer | None, payment_method: str) -> None:

    cap = settings.MAX_UNPAID_ORDERS_PER_CONVERSATION
    whose = _whose(conversation_id, customer)
    if cap <= 0 or payment_method != Payment.Method.PAY_AT_COUNTER or whose is None:
        return
    unpaid = Order.objects.filter(
        whose,
        status__in=UNCOLLECTED,
        payment__method=Payment.Method.PAY_AT_COUNTER,
        payment__status=Payment.Status.PENDING,
    ).count()
    if unpaid >= cap:
        raise ApiError(
            "too_many_unpaid_orders",
            f"You already have {unpaid} orders waiting to be paid at the counter. Please collect and pay "
            "for those first, or pay for this one by card online.",
            CONFLICT,
            {"limit": cap, "unpaid": unpaid},
        )
