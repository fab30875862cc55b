"""The website's socket.io channel: a conversation over socket.io, and other sites refused."""
from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.stack import Stack

pytestmark = pytest.mark.e2e


def socketio_connect(stack: Stack, origin: str) -> tuple[httpx.Client, str, str]:
    """Engine.IO v4 long-polling handshake, then a socket.io CONNECT; returns the server's answer packet."""
    client = httpx.Client(base_url=stack.rasa_url, headers={"Origin": origin}, timeout=30)
    opened = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    sid = json.loads(opened.text[1:])["sid"]
    client.post("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}, content="40")
    answer = client.get("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}).text
    return client, sid, answer


def poll_events(client: httpx.Client, sid: str, name: str, tries: int = 20) -> list:
    events = []
    for _ in range(tries):
        text = client.get("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid}).text
        for packet in text.split("\x1e"):
            if packet.startswith("42"):
                event = json.loads(packet[2:])
                if event[0] == name:
                    events.append(event[1])
        if events:
            return events
    return events


def test_the_website_origin_chats_over_socketio(stack: Stack):
    client, sid, answer = socketio_connect(stack, stack.backend_url)
    assert answer.startswith("40"), answer  # CONNECT accepted
    client.post("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid},
                content='42["session_request",{"session_id":"web-test-session"}]')
    assert poll_events(client, sid, "session_confirm") == ["web-test-session"]
    client.post("/socket.io/", params={"EIO": "4", "transport": "polling", "sid": sid},
                content="42" + json.dumps(["user_uttered", {"message": "hi", "session_id": "web-test-session"}]))
    replies = poll_events(client, sid, "bot_uttered")
    assert replies and "welcome" in replies[0]["text"].lower()


def test_another_site_is_refused(stack: Stack):
    _, _, answer = socketio_connect(stack, "https://evil.example")
    assert re.match(r"^44", answer), answer  # CONNECT_ERROR: the connection is refused
