"""What one guest sends must not hurt the others: a huge message is answered at the channel (it used
to hold the Rasa server for every guest: 27 s for 100 kB, over 11 minutes at 100% CPU for 1 MB), and
a made-up `input_channel` opens no new metric series on the action server."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.test_channels import WebsiteGuest
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.e2e

NOTICE = "That message is too long for me (over 2,000 characters). Could you send a shorter one?"
# The `channel` label's values an operator can expect on /metrics, whatever clients send.
CHANNEL_LABELS = {"rest", "socketio", "cmdline", "collector", "unknown", "other"}


def post_rest(stack: Stack, body: Any, timeout: float = 60) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=timeout)
    return response, time.monotonic() - started


def another_guest_is_answered(stack: Stack) -> None:
    started = time.monotonic()
    reply = stack.say(new_sender(), "hi")
    assert "welcome" in texts(reply).lower(), reply
    assert time.monotonic() - started < 10


def test_a_100_kb_rest_message_gets_a_polite_reply_at_once_and_goes_no_further(stack: Stack):
    sender, huge = new_sender(), "I would like " + "a very large pizza " * 5_300  # ~100 kB
    response, seconds = post_rest(stack, {"sender": sender, "message": huge})
    assert response.status_code == 200
    assert texts(response.json()) == NOTICE
    assert seconds < 2
    another_guest_is_answered(stack)
    assert all(len(text) <= 2000 for text in stack.user_texts(sender))  # never stored, so never reviewed


def test_a_message_at_the_limit_is_understood_as_usual(stack: Stack):
    sender = new_sender()
    reply = stack.say(sender, "hi" + " " * 1_990 + "there")  # 1,997 characters
    assert NOTICE not in texts(reply) and "welcome" in texts(reply).lower()
    assert reply and len(stack.user_texts(sender)) == 1


def test_a_long_website_message_gets_the_polite_reply_and_the_chat_goes_on(stack: Stack):
    session = new_sender()
    guest = WebsiteGuest(stack, session)
    assert [reply.get("text") for reply in guest.say("x" * 3_000)] == [NOTICE]
    assert "welcome" in texts(guest.say("hi")).lower()
    assert stack.user_texts(session) == ["hi"]


def metric_labels(stack: Stack, label: str, metric: str) -> set[str]:
    text = httpx.get(f"{stack.actions_url}/metrics", timeout=10).text
    return set(re.findall(rf'^{re.escape(metric)}[a-z_]*\{{[^}}]*\b{label}="([^"]*)"', text, re.MULTILINE))


def action_call(sender: str, channel: Any, action: str) -> dict[str, Any]:
    """An action call as Rasa posts it to the action server's /webhook, with a made-up channel and action."""
    user = {
        "event": "user",
        "timestamp": time.time(),
        "text": "hi",
        "input_channel": channel,
        "parse_data": {"intent": {"name": "greet", "confidence": 1.0}, "entities": []},
    }
    return {
        "next_action": action,
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {"sender_id": sender, "events": [{"event": "action", "name": "action_listen"}, user]},
    }


MADE_UP_CHANNELS = pytest.mark.parametrize(
    "channel",
    [f"made-up-{uuid.uuid4().hex[:8]}", 1, {"nested": "dict"}, ["rest"]],
    ids=["string", "int", "dict", "list"],
)


@MADE_UP_CHANNELS
def test_a_made_up_input_channel_opens_no_new_metric_series(stack: Stack, channel: Any):
    post_rest(stack, {"sender": new_sender(), "message": "one tomato soup please", "input_channel": channel})
    action = f"action_made_up_{uuid.uuid4().hex[:8]}"  # whoever reaches the action server names anything
    httpx.post(
        f"{stack.actions_url}/webhook",
        json=action_call(new_sender(), channel, action),
        headers=stack.action_headers,
        timeout=10,
    )
    httpx.post(
        f"{stack.actions_url}/webhook",
        json={"tracker": {"events": [1, None, "x"]}, "next_action": 5},
        headers=stack.action_headers,
        timeout=10,
    )

    for metric in (
        "restaurant_assistant_user_messages_total",
        "restaurant_assistant_conversations_started_total",
    ):
        assert metric_labels(stack, "channel", metric) <= CHANNEL_LABELS
    registered = {a["name"] for a in httpx.get(f"{stack.actions_url}/actions", timeout=10).json()}
    actions = metric_labels(stack, "action", "restaurant_assistant_action_duration_seconds")
    assert action not in actions and actions <= registered | {"other", "unknown"}


@MADE_UP_CHANNELS
def test_the_rest_channel_records_itself_whatever_the_body_says(stack: Stack, channel: Any):
    sender = new_sender()
    response, _ = post_rest(
        stack, {"sender": sender, "message": "one tomato soup please", "input_channel": channel}
    )
    assert response.status_code == 200 and "size" in texts(response.json()).lower(), response.text
    assert stack.tracker(sender)["latest_input_channel"] == "rest"  # what the review tool and metrics read


def test_a_1_mb_body_is_refused_at_once(stack: Stack):  # last: before the fix it held the server for minutes
    response, seconds = post_rest(stack, {"sender": new_sender(), "message": "a" * 1_000_000}, timeout=30)
    assert response.status_code == 413
    assert seconds < 2
    another_guest_is_answered(stack)
