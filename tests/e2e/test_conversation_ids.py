"""Conversation ids are issued by the server, so a guessed or made-up one opens nobody's conversation
(channels/sessions.py, on the live REST and socket.io channels)."""

from __future__ import annotations

import json
import re

import httpx

from channels.sessions import SessionIds
from tests.e2e.test_channels import WebsiteGuest, poll_events, socketio_connect
from tests.stack import Stack, new_sender, texts


def rest(stack: Stack, body: dict) -> httpx.Response:
    return httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)


def test_a_rest_sender_the_server_did_not_issue_is_refused_and_nothing_is_stored(stack: Stack):
    for made_up in ("guest-42", "1001", SessionIds(["somebody else's key"]).issue()):
        response = rest(stack, {"sender": made_up, "message": "one tomato soup please"})
        assert response.status_code == 403, response.text
        assert "/webhooks/rest/session" in response.json()["message"]
        assert stack.user_texts(made_up) == []


def test_a_rest_message_without_a_sender_is_refused(stack: Stack):
    assert rest(stack, {"message": "hi"}).status_code == 403


def test_a_conversation_started_at_the_session_endpoint_goes_on_turn_after_turn(stack: Stack):
    issued = httpx.post(f"{stack.rasa_url}/webhooks/rest/session", timeout=10)
    assert issued.status_code == 200
    sender = issued.json()["sender"]
    assert sender != httpx.post(f"{stack.rasa_url}/webhooks/rest/session", timeout=10).json()["sender"]
    stack.say(sender, "one matcha tiramisu please")
    assert "Matcha Tiramisu" in texts(stack.say(sender, "what's in my cart?"))
    assert stack.user_texts(sender) == ["one matcha tiramisu please", "what's in my cart?"]


def test_a_socket_asking_for_a_room_the_server_did_not_issue_gets_a_new_conversation(stack: Stack):
    client, sid, answer = socketio_connect(stack, stack.backend_url)
    assert answer.startswith("40"), answer
    client.post(
        "/socket.io/",
        params={"EIO": "4", "transport": "polling", "sid": sid},
        content="42" + json.dumps(["session_request", {"session_id": "guest-42"}]),
    )
    confirmed = poll_events(client, sid, "session_confirm")
    assert len(confirmed) == 1 and confirmed[0] != "guest-42"
    assert re.fullmatch(r"[0-9a-f]{32}\.[\w-]+", confirmed[0])
    # the new id is a working conversation of its own
    client.post(
        "/socket.io/",
        params={"EIO": "4", "transport": "polling", "sid": sid},
        content="42" + json.dumps(["user_uttered", {"message": "hi", "session_id": "guest-42"}]),
    )
    replies = poll_events(client, sid, "bot_uttered")
    assert replies and "welcome" in replies[0]["text"].lower()
    assert stack.user_texts(confirmed[0]) == ["hi"] and stack.user_texts("guest-42") == []


def test_a_socket_cannot_write_to_another_guests_conversation(stack: Stack):
    victim = new_sender()
    stack.say(victim, "one matcha tiramisu please")
    cart_before = texts(stack.say(victim, "what's in my cart?"))
    intruder = WebsiteGuest(stack, new_sender())
    intruder._send(["user_uttered", {"message": "remove the tiramisu", "session_id": victim, "metadata": {}}])
    poll_events(intruder.client, intruder.sid, "bot_uttered")
    assert stack.user_texts(victim) == ["one matcha tiramisu please", "what's in my cart?"]
    assert stack.user_texts(intruder.session) == ["remove the tiramisu"]  # it went to the intruder's own
    assert texts(stack.say(victim, "what's in my cart?")) == cart_before
