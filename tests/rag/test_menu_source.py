"""The index reads the menu through the assistant's one backend client (rag/menu_source.py wraps
actions/backend_client.py for synchronous callers): pages followed, deleted items as None, no token
means no Authorization header, and no client exists before the first call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx

from actions.backend_client import BackendClient
from rag.menu_source import MenuSource

ROOT = Path(__file__).resolve().parents[2]
ITEMS = [{"id": n, "name": f"Dish {n}", "updated_at": "2026-12-01T12:00:00Z"} for n in (1, 2, 3)]


class Backend:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.clients = 0

    def answer(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if path == "/api/menu/version/":
            return httpx.Response(200, json={"version": "v7"})
        if path == "/api/menu/items/":
            if request.url.params.get("page") == "2":
                return httpx.Response(200, json={"results": ITEMS[2:], "next": None})
            return httpx.Response(
                200, json={"results": ITEMS[:2], "next": "http://backend.test/api/menu/items/?page=2"}
            )
        if path == "/api/menu/items/2/":
            return httpx.Response(200, json=ITEMS[1])
        return httpx.Response(404, json={"error": {"code": "not_found", "message": "Not found."}})

    def client(self, token: str | None) -> BackendClient:
        self.clients += 1
        return BackendClient("http://backend.test", token, transport=httpx.MockTransport(self.answer))


def test_the_menu_is_read_through_the_backend_client():
    backend = Backend()
    source = MenuSource("http://unused", client_factory=lambda: backend.client("service-token"))
    assert backend.clients == 0  # nothing built before the first call
    assert source.version() == "v7"
    assert source.items() == ITEMS  # every field as sent (updated_at too), both pages
    assert source.item(2) == ITEMS[1] and source.item(99) is None
    assert backend.clients == 4  # one client per call: an async client is bound to its event loop
    assert {r.headers["Authorization"] for r in backend.requests} == {"Token service-token"}


def test_without_a_token_the_menu_is_read_anonymously():
    backend = Backend()
    assert MenuSource("http://unused", client_factory=lambda: backend.client(None)).version() == "v7"
    assert "Authorization" not in backend.requests[0].headers


def test_importing_the_retrieval_sync_imports_no_rasa():
    code = "import rag.sync, sys, json; print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in ('rasa', 'rasa_sdk'))))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
