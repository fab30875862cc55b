"""The backend throttles the assistant's requests per conversation (X-Conversation-Id). Reads that
name no conversation in their URL or body (the menu, a dish, restaurant facts) carry the header of
the action call they are made for, so one guest asking question after question is slowed down alone
instead of emptying the bucket every guest's menu reads share (backend/tests/test_flooding.py checks
the backend's side)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import httpx

from actions import server
from actions.backend_client import BackendClient, current_conversation

MENU = {"count": 0, "next": None, "results": []}


def client_seeing(seen: list[httpx.Request]) -> BackendClient:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=MENU if "/menu/" in request.url.path else {"version": "v1"})

    return BackendClient("http://backend.test", "token", transport=httpx.MockTransport(answer))


def test_reads_made_for_a_conversation_name_it_and_others_do_not():
    seen: list[httpx.Request] = []

    async def one_action_call(sender: str | None) -> None:
        current_conversation.set(sender)
        await client.menu(fresh=True)

    async def main() -> None:
        await asyncio.gather(
            asyncio.create_task(one_action_call("guest-a")), asyncio.create_task(one_action_call("guest-b"))
        )
        await client.menu(fresh=True)  # no action call (e.g. the index sync at start)
        await client.aclose()

    client = client_seeing(seen)
    asyncio.run(main())
    headers = [request.headers.get("X-Conversation-Id") for request in seen]
    assert sorted(headers[:2]) == ["guest-a", "guest-b"] and headers[2] is None


def action_request(body: object) -> SimpleNamespace:
    return SimpleNamespace(
        path="/webhook", ctx=SimpleNamespace(), headers={}, json=body, body=json.dumps(body).encode()
    )


def test_the_action_server_takes_the_conversation_from_rasas_call():
    async def conversation_after(request: SimpleNamespace) -> str | None:
        await server.note_conversation(request)
        return current_conversation.get()

    assert (
        asyncio.run(
            conversation_after(action_request({"sender_id": "guest-c", "next_action": "action_show_menu"}))
        )
        == "guest-c"
    )
    assert asyncio.run(conversation_after(action_request({"sender_id": 5}))) is None
    assert asyncio.run(conversation_after(action_request(["not", "a", "call"]))) is None
    health = SimpleNamespace(path="/health", ctx=SimpleNamespace(), headers={})
    assert asyncio.run(conversation_after(health)) is None
