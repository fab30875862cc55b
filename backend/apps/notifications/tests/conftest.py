from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import _clear_cache, api, demo  # noqa: F401 - shared fixtures


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


@dataclass
class FakeRasa:
    url: str = ""
    statuses: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def rasa(settings) -> Iterator[FakeRasa]:
    """A local stand-in for Rasa's HTTP API that records trigger_intent calls."""
    state = FakeRasa()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.requests.append({"path": self.path, "json": json.loads(body)})
            self.send_response(state.statuses.pop(0) if state.statuses else 200)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.RASA_URL = state.url
    settings.RASA_TOKEN = "rasa-test-token"
    yield state
    server.shutdown()
    server.server_close()
