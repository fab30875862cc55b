"""The hostile-input corpus (hostile_inputs.yml) against the live stack: every odd JSON type and every
nasty string, in the message and in every metadata field, on REST and socket.io. Nothing may answer
with a server error, guests keep being answered, staff pages still load, and no identity or quantity
comes from the client."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from channels.identity import REFUSED_NOTICE
from tests.e2e.test_channels import WebsiteGuest, poll_events
from tests.stack import Stack, new_sender, texts

CORPUS = yaml.safe_load((Path(__file__).with_name("hostile_inputs.yml")).read_text(encoding="utf-8"))
VALUES: list[Any] = CORPUS["odd_json"] + CORPUS["strings"]
FIELDS: list[str] = CORPUS["fields"]
MAX_QUANTITY = 20  # the most of one dish a cart takes (MAX_QUANTITY / MAX_LINE_QUANTITY defaults)


@dataclass
class Sent:
    field: str
    value: Any
    sender: str
    status: int
    replies: Any


def body_with(field: str, value: Any, sender: str) -> dict[str, Any]:
    body: dict[str, Any] = {"sender": sender, "message": "hi", "metadata": {}}
    if field.startswith("metadata."):
        body["metadata"][field.split(".", 1)[1]] = value
    else:
        body[field] = value
    return body


@pytest.fixture(scope="module")
def sent(stack: Stack) -> list[Sent]:
    """Every value in every field, each in a conversation of its own (so the per-conversation rate
    limit never answers instead)."""
    results = []
    with httpx.Client(base_url=stack.rasa_url, timeout=60) as client:
        for field in FIELDS:
            for value in VALUES:
                sender = new_sender()
                response = client.post("/webhooks/rest/webhook", json=body_with(field, value, sender))
                try:
                    replies = response.json()
                except ValueError:
                    replies = response.text
                results.append(Sent(field, value, sender, response.status_code, replies))
    return results


def test_no_value_in_any_field_gets_a_server_error(sent: list[Sent]):
    failures = [(s.field, s.value, s.status) for s in sent if s.status >= 500]
    assert not failures, failures
    assert all(isinstance(s.replies, (list, dict)) for s in sent)  # JSON, never an HTML error page


def test_every_text_a_guest_can_type_gets_an_answer(sent: list[Sent]):
    typed = [s for s in sent if s.field == "message" and isinstance(s.value, str) and s.value.strip()]
    assert len(typed) == len(CORPUS["strings"]) - 1
    unanswered = [s.value for s in typed if s.status != 200 or not texts(s.replies).strip()]
    assert not unanswered, unanswered


def test_a_message_without_words_gets_a_friendly_question_back(sent: list[Sent]):
    wordless = [
        s for s in sent if s.field == "message" and not (isinstance(s.value, str) and s.value.strip())
    ]
    assert len(wordless) == len(CORPUS["odd_json"]) + 1  # and the blank " "
    for s in wordless:
        assert s.status == 200 and "didn't catch any words" in texts(s.replies), (
            s.value,
            s.status,
            s.replies,
        )


def test_odd_metadata_does_not_change_the_answer_to_hi(sent: list[Sent]):
    for s in sent:
        if s.field.startswith("metadata") or s.field == "input_channel":
            assert s.status == 200, (s.field, s.value, s.replies)
            reply = texts(s.replies)
            assert "welcome" in reply.lower(), (s.field, s.value, reply)
            if s.field == "metadata.token" and s.value not in (None, "", 0, False, [], {}):
                assert REFUSED_NOTICE in reply  # a token that is not a token is refused, the chat goes on


def test_no_client_value_sets_the_customer_or_a_quantity_over_the_limit(stack: Stack, sent: list[Sent]):
    senders = [s.sender for s in sent]
    rows = stack.orm(
        "import json; from apps.ordering.models import Cart\n"
        f"carts = Cart.objects.filter(conversation_id__in={senders!r})\n"
        "print(json.dumps([[c.customer_id, [l.quantity for l in c.lines.all()]] for c in carts]))"
    )
    carts = json.loads(rows.strip().splitlines()[-1])
    assert all(customer is None for customer, _ in carts), carts
    assert all(quantity <= MAX_QUANTITY for _, quantities in carts for quantity in quantities), carts


def test_the_next_guest_is_answered_at_once(stack: Stack, sent: list[Sent]):
    started = time.monotonic()
    assert "welcome" in texts(stack.say(new_sender(), "hi")).lower()
    assert time.monotonic() - started < 10


@pytest.fixture
def staff(stack: Stack) -> Iterator[httpx.Client]:
    """A manager who may review conversations and see the owner's page, logged in through the admin."""
    name = f"manager{time.monotonic_ns()}"
    stack.orm(
        "from django.contrib.auth.models import Permission, User\n"
        f"u = User.objects.create_user({name!r}, password='hostile-pw-2026', is_staff=True)\n"
        "u.user_permissions.add(*Permission.objects.filter(codename__in=['reviewer', 'view_insights']))"
    )
    with httpx.Client(base_url=stack.backend_url, timeout=60, follow_redirects=True) as client:
        login = client.get("/admin/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login.text).group(1)
        done = client.post(
            "/admin/login/?next=/admin/",
            data={"username": name, "password": "hostile-pw-2026", "csrfmiddlewaretoken": token},
        )
        assert done.status_code == 200 and "/admin/login/" not in str(done.url)
        yield client


def test_staff_pages_read_every_hostile_conversation(stack: Stack, staff: httpx.Client, sent: list[Sent]):
    inbox = staff.get("/review/")
    assert inbox.status_code == 200, inbox.text[:2000]
    assert "<script>alert" not in inbox.text  # guest words are shown, never run
    for path in ("/review/nlu/", "/insights/", "/review/?channel=rest", "/review/?conf_below=0.5"):
        assert staff.get(path).status_code == 200, path
    opened = 0
    for s in sent:
        if s.field != "message" or not stack.user_texts(s.sender):
            continue  # answered at the channel (no words, /session_start): never stored, so never reviewed
        page = staff.get(f"/review/c/{s.sender}/")
        assert page.status_code == 200, (s.value, page.text[:2000])
        assert "<script>alert" not in page.text
        opened += 1
    assert opened >= len(CORPUS["strings"]) - 3  # not " ", "/session_start" and "/restart" (nothing after it)


@pytest.mark.parametrize("field", [f for f in FIELDS if f.startswith("metadata")])
def test_odd_metadata_on_the_website_socket_is_answered_like_any_message(stack: Stack, field: str):
    guest = WebsiteGuest(stack, new_sender())
    for value in VALUES:
        data: dict[str, Any] = {"message": "hi", "session_id": guest.session, "metadata": {}}
        if field == "metadata":
            data["metadata"] = value
        else:
            data["metadata"][field.split(".", 1)[1]] = value
        guest._send(["user_uttered", data])
    guest._send(["user_uttered", 0])  # not even an object
    welcomes, deadline = 0, time.monotonic() + 90
    while welcomes < len(VALUES) and time.monotonic() < deadline:
        welcomes += sum(
            "welcome" in (reply.get("text") or "").lower()
            for reply in poll_events(guest.client, guest.sid, "bot_uttered")
        )
    assert welcomes == len(VALUES)
    # the last turn's reply goes out before its events are saved: give the store a moment
    deadline = time.monotonic() + 10
    while len(stack.user_texts(guest.session)) < len(VALUES) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert stack.user_texts(guest.session) == ["hi"] * len(VALUES)
