"""Staff change the opening hours: checkout's time check sees the new hours within the cache time."""

from __future__ import annotations

import asyncio
import json

import httpx

from actions.backend_client import BackendClient


def serving(hours: dict) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/restaurant/"
        return httpx.Response(
            200, content=json.dumps({"timezone": "Europe/Amsterdam", "opening_hours": dict(hours)})
        )

    return httpx.MockTransport(handle)


def test_changed_opening_hours_are_read_again_after_the_cache_time():
    hours = {"sunday": [["12:00", "21:00"]]}

    async def scenario() -> tuple[dict, dict, dict]:
        client = BackendClient("http://backend", "token", menu_cache_seconds=0.2, transport=serving(hours))
        first = await client.restaurant()
        hours["sunday"] = [["17:00", "21:00"]]  # staff shorten Sunday in the admin
        within = await client.restaurant()
        await asyncio.sleep(0.3)
        after = await client.restaurant()
        await client.aclose()
        return first, within, after

    first, within, after = asyncio.run(scenario())
    assert first["opening_hours"]["sunday"] == [["12:00", "21:00"]]
    assert within["opening_hours"]["sunday"] == [["12:00", "21:00"]]  # reused inside the cache time
    assert after["opening_hours"]["sunday"] == [["17:00", "21:00"]]
