from __future__ import annotations

from django.db import transaction

from apps.common import metrics
from apps.ordering.models import Order
from apps.payments.models import Payment, PaymentEvent
from apps.payments.providers import WebhookEvent, get_provider


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
        PaymentEvent.objects.create(payment=payment, provider_event_id=event.event_id,
                                    outcome=event.outcome)
        if payment.status in (Payment.Status.PENDING, Payment.Status.FAILED):
            payment.status = event.outcome
            payment.save(update_fields=["status", "updated_at"])
            metrics.payment_outcome(payment.method, payment.status)
    return payment


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
