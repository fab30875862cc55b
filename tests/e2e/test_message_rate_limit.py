"""Order flooding, at the chat channels: one conversation may send CHAT_RATE_LIMIT_PER_CONVERSATION
messages a minute (default 30). Past that the channel answers with a polite notice and the message
goes no further (no NLU, no action, no tracker event); other guests are not affected.

The test stack keeps the per-conversation default and raises only the per-IP limit (every e2e test
talks from 127.0.0.1); the per-IP limit is checked in tests/channels/test_rate_limit.py."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.test_channels import WebsiteGuest, poll_events
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.e2e

RATE_NOTICE = "You're sending messages faster than I can read them; please wait a moment."
TOO_LONG = "x" * 2_500  # answered at the channel at once (too long), but it still counts as a message


def test_a_rest_conversation_over_30_messages_a_minute_gets_the_notice_and_others_are_answered(stack: Stack):
    sender = new_sender()
    assert "welcome" in texts(stack.say(sender, "hi")).lower()
    with httpx.Client(base_url=stack.rasa_url, timeout=30) as client:
        for _ in range(29):  # 30 messages in all: the default limit
            reply = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": TOO_LONG}).json()
            assert RATE_NOTICE not in texts(reply), reply
    refused = stack.say(sender, "I'd like a margherita pizza")
    assert texts(refused) == RATE_NOTICE
    assert stack.user_texts(sender) == ["hi"]  # the refused message never reached the NLU or the tracker
    assert "welcome" in texts(stack.say(new_sender(), "hi")).lower()  # another guest, same IP


def test_a_website_session_over_the_limit_gets_the_notice(stack: Stack):
    session = new_sender()
    guest = WebsiteGuest(stack, session)
    for text in [TOO_LONG] * 30 + ["hi"]:
        guest._send(["user_uttered", {"message": text, "session_id": session, "metadata": {}}])
    replies: list[str] = []
    for _ in range(10):
        replies += [reply.get("text") or "" for reply in poll_events(guest.client, guest.sid, "bot_uttered")]
        if len(replies) >= 31:
            break
    assert replies.count(RATE_NOTICE) == 1 and len(replies) == 31, replies
    assert not any("welcome" in reply.lower() for reply in replies)
    assert stack.user_texts(session) == []
