"""The menu webhook checks the signature before it takes the index lock: a forged request is refused
at once even while a sync holds the lock, and never touches the index."""

from __future__ import annotations

import asyncio
import json
import time
from types import SimpleNamespace

import pytest
from sanic import Sanic

from actions import server, wiring

SECRET = "whsec_" + "bWVudS13ZWJob29rLXRlc3Qtc2VjcmV0"


def menu_updated_route():
    Sanic.test_mode = True  # lets the test build the app more than once
    app = server.build_app(sync_on_start=False)
    return next(
        route.handler for route in app.router.routes if route.path.strip("/") == "webhooks/menu-updated"
    )


def test_a_forged_menu_webhook_is_refused_without_waiting_for_the_index_lock(monkeypatch: pytest.MonkeyPatch):
    touched: list[str] = []
    monkeypatch.setattr(wiring, "webhook_secrets", lambda: [SECRET])
    monkeypatch.setattr(
        wiring,
        "indexer",
        lambda: (
            touched.append("indexer") or SimpleNamespace(update_items=lambda ids: touched.append("update"))
        ),
    )
    handler = menu_updated_route()
    body = json.dumps({"type": "menu.updated", "data": {"item_ids": [1]}}).encode()
    forged = SimpleNamespace(
        headers={
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "v1,AAAA",
        },
        body=body,
    )

    async def while_a_sync_holds_the_lock():
        started = time.perf_counter()
        try:
            return await asyncio.wait_for(handler(forged), timeout=3), time.perf_counter() - started
        except asyncio.TimeoutError:
            return None, time.perf_counter() - started

    loop = asyncio.new_event_loop()
    assert server._index_lock.acquire(timeout=5)  # a slow sync in progress
    try:
        result, waited = loop.run_until_complete(while_a_sync_holds_the_lock())
    finally:
        server._index_lock.release()  # the sync ends; a request stuck on the lock may now finish
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
    assert result is not None, "the forged request waited on the index lock"
    assert result.status == 401 and waited < 2
    assert json.loads(result.body)["error"]["code"] == "invalid_signature"
    assert touched == []


def test_a_malformed_webhook_secret_deadline_stops_the_action_server_from_starting(
    monkeypatch: pytest.MonkeyPatch,
):
    """The backend's rule (backend/tests/test_secret_rotation.py) on the assistant's side: refused at start,
    not ignored until a webhook signed with the previous secret is refused."""
    from service_common.secret_rotation import MalformedDeadline

    monkeypatch.setenv("WEBHOOK_SECRET_PREVIOUS_UNTIL", "next tuesday")
    Sanic.test_mode = True
    with pytest.raises(MalformedDeadline, match="WEBHOOK_SECRET_PREVIOUS_UNTIL"):
        server.build_app(sync_on_start=False)
