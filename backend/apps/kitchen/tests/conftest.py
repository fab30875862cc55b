from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.conftest import _clear_cache, api, demo, local_server  # noqa: F401 - shared fixtures


@dataclass
class FakePos:
    """A local POS speaking Square's CreateOrder (POST) and UpdateOrder (PUT .../<id>) dialect: one ticket
    per idempotency key; a ticket's version goes up with each change."""

    url: str = ""
    statuses: list[int] = field(default_factory=list)  # answered in turn, then 200
    delay: float = 0.0
    reason: str = "Kitchen is not taking orders right now"
    requests: list[dict[str, Any]] = field(default_factory=list)
    tickets: dict[str, str] = field(default_factory=dict)
    states: dict[str, str] = field(default_factory=dict)  # ticket id -> OPEN or CANCELED
    versions: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


@pytest.fixture
def pos(settings) -> Iterator[FakePos]:
    state = FakePos()

    def answer(request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        time.sleep(state.delay)
        with state.lock:
            state.requests.append(request)
            code = state.statuses.pop(0) if state.statuses else 200
            reply: dict[str, Any] = {}
            if 200 <= code < 300 and request["method"] == "PUT":
                ticket = request["path"].rsplit("/", 1)[-1]
                if ticket not in state.states:
                    return 404, {"errors": [{"code": "NOT_FOUND", "detail": "no such order"}]}
                if request["json"]["order"].get("version") != state.versions[ticket]:
                    return 409, {"errors": [{"code": "VERSION_MISMATCH", "detail": "version mismatch"}]}
                state.states[ticket] = request["json"]["order"]["state"]
                state.versions[ticket] += 1
                reply = {
                    "order": {"id": ticket, "state": state.states[ticket], "version": state.versions[ticket]}
                }
            elif 200 <= code < 300:
                ticket = state.tickets.setdefault(
                    request["headers"]["idempotency-key"], f"sq_{len(state.tickets) + 1}"
                )
                state.states.setdefault(ticket, "OPEN")
                state.versions.setdefault(ticket, 1)
                reply = {
                    "order": {
                        "id": ticket,
                        "reference_id": request["json"]["order"]["reference_id"],
                        "version": state.versions[ticket],
                    }
                }
            elif code in (400, 409, 422):
                reply = {
                    "errors": [
                        {"category": "INVALID_REQUEST_ERROR", "code": "INVALID_VALUE", "detail": state.reason}
                    ]
                }
        return code, reply

    with local_server(answer) as base:
        state.url = f"{base}/v2/orders"
        settings.POS_ADAPTERS = ["kitchen_display", "http"]
        settings.POS_URL = state.url
        settings.POS_LOCATION_ID = "LOC-TEST"
        yield state


@pytest.fixture
def staff() -> Client:
    """A logged-in member of staff (the kitchen page's user)."""
    client = Client()
    client.force_login(User.objects.create_user("chef", password="pw-chef-12345", is_staff=True))
    return client
