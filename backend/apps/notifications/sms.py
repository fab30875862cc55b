"""Text messages through a pluggable provider (setting SMS_PROVIDER, a dotted path).

A real provider (Twilio, MessageBird, ...) is a small class with the same ``send`` method that reads
its credentials from the environment; the console provider only logs.
"""

from __future__ import annotations

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("notifications")


class SmsProvider(Protocol):
    def send(self, to: str, body: str) -> None:
        """Deliver one text message; raise on failure."""


class ConsoleSmsProvider:
    def send(self, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


def get_sms_provider() -> SmsProvider:
    return import_string(settings.SMS_PROVIDER)()
