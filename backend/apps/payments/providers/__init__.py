"""Payment provider interface and registry (settings.PAYMENT_PROVIDERS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from apps.payments.models import Payment


class InvalidWebhook(Exception):
    """Bad or stale signature, or a body we can't read."""


@dataclass(frozen=True)
class Intent:
    intent_id: str
    checkout_url: str


@dataclass(frozen=True)
class WebhookEvent:
    event_id: str
    intent_id: str
    outcome: str  # "succeeded" | "failed"


class PaymentProvider(Protocol):
    name: str

    def create_intent(self, payment: Payment) -> Intent:
        """Register the payment with the provider; returns its hosted checkout page."""

    def parse_webhook(self, body: bytes, headers: dict[str, str]) -> WebhookEvent:
        """Verify and decode a provider callback; raises InvalidWebhook."""

    def refund(self, payment: Payment) -> None:
        """Refund a succeeded payment in full."""


def get_provider(name: str | None = None) -> PaymentProvider:
    name = name or settings.PAYMENT_PROVIDER
    path = settings.PAYMENT_PROVIDERS.get(name)
    if path is None:
        raise LookupError(name)
    return import_string(path)()
