from __future__ import annotations

import pytest

from tests.conftest import Receiver, _clear_cache, api, demo, receiver  # noqa: F401 - shared fixtures


class RecordingSmsProvider:
    """Test SMS provider: keeps what it was asked to send."""

    sent: list[tuple[str, str]] = []

    def send(self, to: str, body: str) -> None:
        self.sent.append((to, body))


class BrokenSmsProvider:
    def send(self, to: str, body: str) -> None:
        raise ConnectionError("SMS gateway down")


@pytest.fixture
def sms(settings) -> list[tuple[str, str]]:
    settings.SMS_PROVIDER = "apps.notifications.tests.conftest.RecordingSmsProvider"
    RecordingSmsProvider.sent = []
    return RecordingSmsProvider.sent


@pytest.fixture
def rasa(settings, receiver: Receiver) -> Receiver:
    """A local stand-in for Rasa's HTTP API that records trigger_intent calls."""
    settings.RASA_URL = receiver.base
    settings.RASA_TOKEN = "rasa-test-token"
    return receiver
