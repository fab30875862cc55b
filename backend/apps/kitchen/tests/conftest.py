from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.conftest import _clear_cache, api, demo  # noqa: F401 - shared fixtures


@dataclass
class FakePos:
    """A local POS speaking Square's CreateOrder dialect: one ticket per idempotency key."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    delay: float = 0.0
    reason: str = "Kitchen is not taking orders right now"
    requests: list[dict[str, Any]] = field(default_factory=list)
    tickets: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def pos(settings) -> Iterator[FakePos]:
    state = FakePos()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            time.sleep(state.delay)
            with state.lock:
                state.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()},
                                       "body": body, "json": json.loads(body)})
                code = state.statuses.pop(0) if state.statuses else 200
                answer: dict[str, Any] = {}
                if 200 <= code < 300:
                    key = self.headers["Idempotency-Key"]
                    ticket = state.tickets.setdefault(key, f"sq_{len(state.tickets) + 1}")
                    answer = {"order": {"id": ticket, "reference_id": json.loads(body)["order"]["reference_id"]}}
                elif code in (400, 409, 422):
                    answer = {"errors": [{"category": "INVALID_REQUEST_ERROR", "code": "INVALID_VALUE",
                                          "detail": state.reason}]}
            data = json.dumps(answer).encode()
            self.send_response(code)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v2/orders"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.POS_ADAPTERS = ["kitchen_display", "http"]
    settings.POS_URL = state.url
    settings.POS_LOCATION_ID = "LOC-TEST"
    yield state
    server.shutdown()
    server.server_close()
