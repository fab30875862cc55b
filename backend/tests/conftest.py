from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.menu.models import MenuItem
from apps.restaurant.demo import load_demo

FIXTURE = Path(__file__).parent / "fixtures" / "restaurant.yaml"
TOKEN = "test-service-token"


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()  # throttling counters


@pytest.fixture
def demo(db: Any) -> dict[str, MenuItem]:
    """The small test restaurant, items by slug."""
    load_demo(FIXTURE)
    return {item.slug: item for item in MenuItem.objects.all()}


@pytest.fixture
def api() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {TOKEN}")
    return client


@pytest.fixture
def public() -> APIClient:
    return APIClient()


def option_id(item: MenuItem, name: str) -> int:
    return item.options.get(name=name).pk


def new_cart(api: APIClient, *lines: tuple[MenuItem, int, list[int]]) -> dict[str, Any]:
    cart = api.post("/api/carts/", {"channel": "rest", "conversation_id": "conv-1"}, format="json")
    assert cart.status_code == 201, cart.json()
    body = cart.json()
    for item, quantity, options in lines:
        response = api.post(
            f"/api/carts/{body['id']}/items/",
            {"item": item.pk, "quantity": quantity, "options": options},
            format="json",
        )
        assert response.status_code == 201, response.json()
        body = response.json()
    return body


def place(api: APIClient, cart_id: int, key: str = "key-1", **overrides: Any) -> Any:
    body = {
        "cart": cart_id,
        "fulfilment": "pickup",
        "payment_method": "card_online",
        "conversation_id": "conv-1",
        **overrides,
    }
    return api.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert body["error"]["message"], body
    return body["error"]["code"]


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body)
    except ValueError:  # a Sentry envelope (JSON lines, maybe gzipped), say
        return None


@contextmanager
def local_server(answer: Callable[[dict[str, Any]], tuple[int, dict[str, Any] | None]]) -> Iterator[str]:
    """A real HTTP server on a free local port; yields its base URL.

    Each POST or PUT is handed to `answer` as {"method", "path", "headers" (lower-cased), "body" (bytes),
    "json" (None when the body is not JSON)}; it returns the status code and the JSON body to answer with
    (None: no body)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            code, reply = answer(
                {
                    "method": self.command,
                    "path": self.path,
                    "body": body,
                    "json": _json_or_none(body),
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                }
            )
            data = json.dumps(reply).encode() if reply is not None else b""
            self.send_response(code)
            if reply is not None:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_PUT = do_POST

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Receiver:
    """A real local HTTP server that answers with the queued status codes (then 200)."""

    statuses: list[int]
    requests: list[dict[str, Any]] = field(default_factory=list)
    base: str = ""

    @property
    def url(self) -> str:
        return f"{self.base}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(statuses=[])

    def answer(request: dict[str, Any]) -> tuple[int, None]:
        state.requests.append(request)
        return (state.statuses.pop(0) if state.statuses else 200), None

    with local_server(answer) as base:
        state.base = base
        yield state


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a production start (DJANGO_ENV=production) with every required secret set;
    `extra` adds or overrides settings (the providers production insists on, say)."""
    return {
        "PATH": "/usr/bin:/bin",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "DJANGO_ALLOWED_HOSTS": "restaurant.example.org",
        "BACKEND_SERVICE_TOKEN": "prod-token",
        "CHAT_JWT_SECRET": "prod-chat-jwt-secret-with-at-least-32-bytes-0123456789",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        **extra,
    }
