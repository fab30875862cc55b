"""Payments. Card data never reaches this backend's API, the chat or the assistant."""

from __future__ import annotations

from django.db import models

from apps.common.models import TimestampedModel
from apps.ordering.models import Order


class Payment(TimestampedModel):
    class Method(models.TextChoices):
        CARD_ONLINE = "card_online"
        PAY_AT_COUNTER = "pay_at_counter"

    class Status(models.TextChoices):
        PENDING = "pending"
        SUCCEEDED = "succeeded"
        FAILED = "failed"
        REFUNDED = "refunded"
        CANCELLED = "cancelled"

    order = models.OneToOneField(Order, related_name="payment", on_delete=models.CASCADE)
    method = models.CharField(max_length=20, choices=Method.choices)
    provider = models.CharField(max_length=30, blank=True)
    intent_id = models.CharField(max_length=100, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=500, null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    amount = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3)

    def __str__(self) -> str:
        return f"{self.method} {self.intent_id or ''} ({self.status})"


class PaymentEvent(models.Model):
    """Every provider webhook we accepted (for audit and de-duplication)."""

    payment = models.ForeignKey(Payment, related_name="events", on_delete=models.CASCADE)
    provider_event_id = models.CharField(max_length=100, unique=True)
    outcome = models.CharField(max_length=20)
    received_at = models.DateTimeField(auto_now_add=True)
