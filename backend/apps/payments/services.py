from __future__ import annotations

import logging

from django.db import transaction

from apps.common import metrics
from apps.ordering.models import Order
from apps.payments.models import Payment, PaymentEvent
from apps.payments.providers import WebhookEvent, get_provider

logger = logging.getLogger(__name__)

# The audit outcome staff see on a payment that came in for an order already cancelled or rejected
# and was refunded on arrival (PaymentEvent.outcome, shown in the admin's payment page).
LATE_PAYMENT_REFUNDED = "late_refunded"
CLOSED_ORDER = (Order.Status.CANCELLED, Order.Status.REJECTED)


def start_payment(order: Order, method: str) -> Payment:
    payment = Payment(order=order, method=method, amount=order.total, currency=order.currency)
    if method == Payment.Method.CARD_ONLINE:
        provider = get_provider()
        intent = provider.create_intent(payment)
        payment.provider = provider.name
        payment.intent_id = intent.intent_id
        payment.checkout_url = intent.checkout_url
    payment.save()
    return payment


def apply_webhook(provider_name: str, event: WebhookEvent) -> Payment | None:
    """Apply a verified provider event once; replays and unknown intents change nothing."""
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .filter(provider=provider_name, intent_id=event.intent_id)
            .first()
        )
        if payment is None:
            return None
        if PaymentEvent.objects.filter(provider_event_id=event.event_id).exists():
            return payment
        PaymentEvent.objects.create(payment=payment, provider_event_id=event.event_id, outcome=event.outcome)
        order_closed = Order.objects.filter(pk=payment.order_id, status__in=CLOSED_ORDER).exists()
        if (
            event.outcome == Payment.Status.SUCCEEDED
            and order_closed
            and payment.status in (Payment.Status.PENDING, Payment.Status.FAILED, Payment.Status.CANCELLED)
        ):
            _refund_late_payment(payment, event)
        elif payment.status in (Payment.Status.PENDING, Payment.Status.FAILED):
            payment.status = event.outcome
            payment.save(update_fields=["status", "updated_at"])
            metrics.payment_outcome(payment.method, payment.status)
    return payment


def _refund_late_payment(payment: Payment, event: WebhookEvent) -> None:
    """Money taken for an order that was cancelled or rejected meanwhile: record it, give it back at once
    (the same provider refund a cancellation uses) and leave a trace staff see on the payment."""
    payment.status = Payment.Status.SUCCEEDED
    payment.save(update_fields=["status", "updated_at"])
    metrics.payment_outcome(payment.method, payment.status)
    get_provider(payment.provider).refund(payment)
    payment.status = Payment.Status.REFUNDED
    payment.save(update_fields=["status", "updated_at"])
    metrics.payment_outcome(payment.method, payment.status)
    PaymentEvent.objects.create(
        payment=payment, provider_event_id=f"{event.event_id}:refund", outcome=LATE_PAYMENT_REFUNDED
    )
    logger.warning(
        "payment %s succeeded after order %s was closed: refunded %s %s",
        payment.intent_id,
        payment.order_id,
        payment.amount,
        payment.currency,
    )


def refund_if_paid(order: Order) -> None:
    payment = Payment.objects.filter(order=order).first()
    if payment is None:
        return
    previous = payment.status
    if payment.status == Payment.Status.SUCCEEDED:
        get_provider(payment.provider).refund(payment)
        payment.status = Payment.Status.REFUNDED
    elif payment.status == Payment.Status.PENDING:
        payment.status = Payment.Status.CANCELLED
    payment.save(update_fields=["status", "updated_at"])
    if payment.status in (Payment.Status.REFUNDED, Payment.Status.CANCELLED) and payment.status != previous:
        metrics.payment_outcome(payment.method, payment.status)
