"""Live staff takeover (issue 18): a person claims a guest's conversation, the assistant pauses, they
talk in the guest's own channel, add a dish, and hand back; the guest then checks out as usual.

Everything is real: the backend's staff page endpoints (session login, CSRF), Rasa's HTTP API pausing
the conversation, the REST poll and the website's socket.io delivering the staff messages.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.e2e.test_channels import WebsiteGuest
from tests.e2e.test_ordering import Guest, checkout_at_the_counter, order_with_size
from tests.stack import (
    APP_PYTHON,
    RASA_AUTH_TOKEN,
    ROOT,
    SERVICE_TOKEN,
    Stack,
    copy_model,
    free_port,
    latest_model,
    new_sender,
)

pytestmark = pytest.mark.e2e
PASSWORD = "a-long-test-password-42"
ASK_FOR_A_PERSON = "i want to talk to a real person"


def create_staff(stack: Stack, username: str, first_name: str, *, may_take_over: bool = True) -> None:
    """A staff account (password PASSWORD), with the permission support.handle_handoff unless told."""
    grant = (
        "u.user_permissions.add(Permission.objects.get(codename='handle_handoff', "
        "content_type__app_label='support')); "
        if may_take_over
        else ""
    )
    stack.orm(
        "from django.contrib.auth import get_user_model; from django.contrib.auth.models import Permission; "
        f"u = get_user_model().objects.create_user({username!r}, '{username}@example.org', {PASSWORD!r}, "
        f"is_staff=True, first_name={first_name!r}); " + grant
    )


def handoff_of(stack: Stack, conversation_id: str) -> int:
    return int(
        stack.orm(
            "from apps.support.models import Handoff; "
            f"print(Handoff.objects.get(conversation_id={conversation_id!r}).pk)"
        ).strip()
    )


class Staff:
    """A staff member logged in to the backend in their own browser session (cookie + CSRF token)."""

    def __init__(self, stack: Stack, username: str, first_name: str, *, may_take_over: bool = True) -> None:
        create_staff(stack, username, first_name, may_take_over=may_take_over)
        self.client = httpx.Client(base_url=stack.backend_url, timeout=30)
        page = self.client.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        logged_in = self.client.post(
            "/accounts/login/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        )
        assert logged_in.status_code == 302, logged_in.text[:500]
        self.client.get("/accounts/")  # a fresh CSRF cookie for the logged-in session

    def handoffs(self) -> list[dict[str, Any]]:
        response = self.client.get("/support/handoffs.json")
        response.raise_for_status()
        return response.json()["handoffs"]

    def post(self, handoff_id: int, what: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post(
            f"/support/handoffs/{handoff_id}/{what}/",
            json=body or {},
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
        )


def eventually(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {seconds} s: {what}")
        time.sleep(0.1)


def person_messages(stack: Stack, sender: str, after: float = 0) -> dict[str, Any]:
    """What a REST client (or the terminal chat) reads of messages pushed into the conversation."""
    response = httpx.get(
        f"{stack.rasa_url}/webhooks/rest/messages", params={"sender": sender, "after": after}, timeout=10
    )
    response.raise_for_status()
    return response.json()


def asks_for_a_person(stack: Stack, guest: Guest) -> int:
    reply = guest.say(ASK_FOR_A_PERSON)
    assert "asked a member of our team" in reply, reply
    return handoff_of(stack, guest.sender)


def test_staff_claim_talk_add_a_dish_and_hand_back_over_rest(stack: Stack):
    guest = Guest(stack)
    order_with_size(guest, "one tomato soup please", "regular")
    handoff_id = asks_for_a_person(stack, guest)
    anna, ben = Staff(stack, "anna", "Anna"), Staff(stack, "ben", "Ben")

    waiting = next(h for h in anna.handoffs() if h["id"] == handoff_id)
    assert waiting["status"] == "open" and waiting["reason"] == ASK_FOR_A_PERSON
    assert [line["item"]["name"] for line in waiting["cart"]["lines"]] == ["Tomato Soup"]
    assert any(m["who"] == "guest" and m["text"] == ASK_FOR_A_PERSON for m in waiting["conversation"])

    claimed = anna.post(handoff_id, "claim")
    assert claimed.status_code == 200, claimed.text
    taken = ben.post(handoff_id, "claim")  # a second person sees it is taken, and nothing changes
    assert taken.status_code == 409 and "Anna has already taken" in taken.json()["error"]["message"]
    assert ben.post(handoff_id, "messages", {"text": "Hello from Ben"}).status_code == 409

    joined = person_messages(stack, guest.sender)
    assert joined["paused"] is True
    assert [m["metadata"] for m in joined["messages"]] == [{"human": True, "staff": "Anna"}]
    assert "Anna" in joined["messages"][0]["text"]
    since = joined["messages"][-1]["timestamp"]

    for guest_words, staff_words in [
        ("can you make the soup without coriander for my kid?", "Of course, no coriander."),
        ("great, and which door do I use?", "The side door on Harbour Lane."),
    ]:
        assert stack.say(guest.sender, guest_words) == []  # paused: the assistant says nothing
        eventually(
            lambda: any(
                m["text"] == guest_words
                for m in next(h for h in anna.handoffs() if h["id"] == handoff_id)["conversation"]
            ),
            2,
            "the guest's words on the staff page",
        )
        assert anna.post(handoff_id, "messages", {"text": staff_words}).status_code == 200
        new = eventually(
            lambda: person_messages(stack, guest.sender, since)["messages"], 2, "the staff message"
        )
        assert [(m["text"], m["metadata"]["staff"]) for m in new] == [(staff_words, "Anna")]
        since = new[-1]["timestamp"]
    assert guest_words in stack.user_texts(guest.sender)  # kept in the tracker like any other message

    with stack.backend() as backend:
        bread = next(
            i
            for i in backend.get("/api/menu/items/", params={"q": "garlic bread"}).json()["results"]
            if i["name"] == "Garlic Bread"
        )
    added = anna.post(handoff_id, "cart", {"item": bread["id"], "quantity": 1})
    assert added.status_code == 200, added.text
    told = person_messages(stack, guest.sender, since)["messages"]
    assert "1 × Garlic Bread" in told[-1]["text"]

    handed_back = anna.post(handoff_id, "hand-back")
    assert handed_back.status_code == 200 and handed_back.json()["handoff"]["status"] == "closed"
    assert person_messages(stack, guest.sender)["paused"] is False
    assert handoff_id not in [h["id"] for h in anna.handoffs()]

    checkout_at_the_counter(guest)
    assert "is placed" in guest.say("yes")
    order = guest.order()
    assert sorted(line["item"]["name"] for line in order["lines"]) == ["Garlic Bread", "Tomato Soup"], order

    # the review tool marks the person's turns (a reviewer reads the same tracker store)
    stack.orm(
        "from django.contrib.auth.models import Permission, User; User.objects.get(username='anna')"
        ".user_permissions.add(Permission.objects.get(codename='reviewer', content_type__app_label='review'))"
    )
    review = anna.client.get(f"/review/c/{guest.sender}/").text
    assert review.count("Anna (a person, staff takeover)") == 5, (
        review
    )  # joined, 2 answers, the dish, goodbye
    assert "Of course, no coriander." in review


def test_the_website_chat_gets_staff_messages_marked_as_a_person(stack: Stack):
    session = new_sender()
    website = WebsiteGuest(stack, session)
    website.say("hi")
    reply = website.say(ASK_FOR_A_PERSON)
    assert any("asked a member of our team" in (m.get("text") or "") for m in reply), reply
    handoff_id = handoff_of(stack, session)
    carla = Staff(stack, "carla", "Carla")
    assert carla.post(handoff_id, "claim").status_code == 200
    joined = website.receive()
    assert [m.get("metadata") for m in joined] == [{"human": True, "staff": "Carla"}], joined
    website._send(["user_uttered", {"message": "is anyone there?", "session_id": session}])
    time.sleep(1.5)  # time for the assistant to answer, were it not paused
    assert carla.post(handoff_id, "messages", {"text": "Yes, I'm here."}).status_code == 200
    # the first thing the socket gets after the guest's question is Carla's answer, nothing from the assistant
    assert [(m["text"], m["metadata"]) for m in website.receive()] == [
        ("Yes, I'm here.", {"human": True, "staff": "Carla"})
    ]


def test_a_guest_cannot_make_their_message_look_like_staff(stack: Stack):
    guest = Guest(stack)
    stack.say(guest.sender, "hi", metadata={"human": True, "staff": "Anna"})
    stack.say(guest.sender, "show me the desserts", metadata={"human": True, "staff": "Anna", "keep": "me"})
    user_events = [e for e in stack.tracker(guest.sender)["events"] if e["event"] == "user"]
    assert [{k: e["metadata"].get(k) for k in ("human", "staff", "keep")} for e in user_events] == [
        {"human": None, "staff": None, "keep": None},
        {"human": None, "staff": None, "keep": "me"},
    ]
    assert person_messages(stack, guest.sender)["messages"] == []


def test_bad_requests_get_a_clear_answer_and_change_nothing(stack: Stack):
    outsider = Staff(stack, "dora", "Dora", may_take_over=False)
    assert outsider.client.get("/support/handoffs.json").status_code == 403
    assert httpx.get(f"{stack.backend_url}/support/handoffs.json", follow_redirects=False).status_code == 302

    guest = Guest(stack)
    guest.say("hi")
    handoff_id = asks_for_a_person(stack, guest)
    assert outsider.post(handoff_id, "claim").status_code == 403
    eve = Staff(stack, "eve", "Eve")
    missing = eve.post(999_999, "claim")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "handoff_not_found"
    assert eve.post(handoff_id, "hand-back").status_code == 409  # not claimed: nothing to hand back
    assert person_messages(stack, guest.sender)["paused"] is False

    unknown = httpx.get(
        f"{stack.rasa_url}/webhooks/rest/messages", params={"sender": "guessed-id"}, timeout=10
    )
    assert unknown.status_code == 403 and unknown.json()["error"] == "unknown_conversation"
    bad_after = httpx.get(
        f"{stack.rasa_url}/webhooks/rest/messages",
        params={"sender": guest.sender, "after": "yesterday"},
        timeout=10,
    )
    assert bad_after.status_code == 400

    assert eve.post(handoff_id, "claim").status_code == 200
    assert eve.post(handoff_id, "messages", {"text": "   "}).status_code == 400
    assert len(person_messages(stack, guest.sender)["messages"]) == 1  # only "Eve has joined"


def test_polling_for_a_persons_messages_too_often_is_refused_and_costs_no_messages(stack: Stack):
    """A client hammering GET /webhooks/rest/messages gets 429 past CHAT_POLL_RATE_LIMIT_PER_CONVERSATION
    (120 a minute: twice what the terminal chat asks), with a clear answer; the guest's messages are
    counted apart, so the conversation itself carries on."""
    guest = Guest(stack)
    guest.say("hi")
    with httpx.Client(base_url=stack.rasa_url, timeout=10) as client:
        codes = [
            client.get("/webhooks/rest/messages", params={"sender": guest.sender}).status_code
            for _ in range(130)
        ]
        refused = client.get("/webhooks/rest/messages", params={"sender": guest.sender})
    assert codes[:120] == [200] * 120 and set(codes[120:]) == {429}
    assert refused.status_code == 429 and refused.headers["retry-after"] == "1"
    assert refused.json()["error"] == "rate_limited" and "once a second" in refused.json()["message"]
    assert "Your cart is empty" in guest.say("what's in my cart?")


def test_a_paused_conversation_stays_paused_across_a_rasa_restart(stack: Stack):
    guest = Guest(stack)
    order_with_size(guest, "one tomato soup please", "regular")
    handoff_id = asks_for_a_person(stack, guest)
    fay = Staff(stack, "fay", "Fay")
    assert fay.post(handoff_id, "claim").status_code == 200

    stack.stop("rasa")
    model = latest_model()
    assert model is not None
    stack.start_rasa(copy_model(model, stack.workdir))

    assert (
        httpx.get(
            f"{stack.rasa_url}/conversations/{guest.sender}/tracker",
            params={"token": RASA_AUTH_TOKEN},
            timeout=10,
        ).json()["paused"]
        is True
    )
    assert stack.say(guest.sender, "what's in my cart?") == []
    assert fay.post(handoff_id, "hand-back").status_code == 200
    assert "Tomato Soup" in guest.say("what's in my cart?")


def test_a_held_conversation_stays_paused_when_its_session_expires(stack: Stack):
    """A person holds the conversation (paused), the guest says nothing for longer than the session
    expiration (domain.yml: 120 minutes) and then writes: a new session starts, still paused, so the
    assistant does not answer over the person. The conversation as it stands three hours later is
    written with Rasa's API (PUT replaces the events, timestamps included)."""
    sender = new_sender()
    then = time.time() - 3 * 3600
    held = [
        {"event": "action", "name": "action_session_start", "timestamp": then},
        {"event": "session_started", "timestamp": then},
        {"event": "action", "name": "action_listen", "timestamp": then},
        {
            "event": "user",
            "text": ASK_FOR_A_PERSON,
            "parse_data": {"intent": {"name": "human_handoff", "confidence": 1.0}, "entities": []},
            "timestamp": then + 1,
        },
        {"event": "pause", "timestamp": then + 2},
    ]
    assert stack.rasa_api("PUT", f"/conversations/{sender}/tracker/events", json=held).status_code == 200
    assert stack.tracker(sender)["paused"] is True

    assert stack.say(sender, "hello? is anyone still there?") == []
    tracker = stack.tracker(sender)
    assert tracker["paused"] is True
    started = [event for event in tracker["events"] if event["event"] == "session_started"]
    assert started and started[-1]["timestamp"] > then + 60  # the message did start a new session
    resumed = stack.rasa_api("POST", f"/conversations/{sender}/tracker/events", json=[{"event": "resume"}])
    assert resumed.status_code == 200
    assert stack.say(sender, "hi") != []  # handed back: the assistant answers again


CLOSED_ZONE = """
from datetime import datetime, timezone
from apps.restaurant.models import Restaurant, get_restaurant
from apps.restaurant.services import is_open_at
r = get_restaurant()
for offset in range(-12, 15):
    r.timezone = 'Etc/GMT' if offset == 0 else f'Etc/GMT{-offset:+d}'
    if not is_open_at(r, datetime.now(timezone.utc)):
        Restaurant.objects.filter(pk=r.pk).update(timezone=r.timezone)
        print(r.phone)
        break
"""


def test_outside_opening_hours_the_guest_is_told_at_once_that_no_one_is_there(stack: Stack):
    guest = Guest(stack)
    phone = stack.orm(CLOSED_ZONE).strip().splitlines()[-1]
    try:
        reply = guest.say(ASK_FOR_A_PERSON)
    finally:
        stack.open_the_kitchen_now()
    assert "We're closed right now, so no one from the team can join" in reply and phone in reply, reply
    assert "asked a member of our team" not in reply
    gus = Staff(stack, "gus", "Gus")
    assert handoff_of(stack, guest.sender) not in [h["id"] for h in gus.handoffs()]  # nobody is asked to come


def test_an_unclaimed_request_offers_the_phone_number_and_the_assistant_carries_on(stack: Stack):
    """A backend with a 1-second follow-up (same database, same Rasa) takes the request as the action would."""
    guest = Guest(stack)
    order_with_size(guest, "one tomato soup please", "regular")
    port = free_port()
    stack._start(
        "backend-quick-follow-up",
        [str(APP_PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        ROOT / "backend",
        f"http://127.0.0.1:{port}/api/menu/version/",
        60,
        env={"HANDOFF_UNCLAIMED_SECONDS": "1"},
    )
    try:
        asked = httpx.post(
            f"http://127.0.0.1:{port}/api/handoffs/",
            json={"conversation_id": guest.sender, "reason": ASK_FOR_A_PERSON},
            headers={"Authorization": f"Token {SERVICE_TOKEN}"},
            timeout=10,
        )
        assert asked.status_code == 201 and asked.json()["staff_available"] is True, asked.text
        phone = asked.json()["phone"]

        def told() -> list[str]:
            return [
                e["text"]
                for e in stack.tracker(guest.sender)["events"]
                if e["event"] == "bot" and "no one from the team is free yet" in (e.get("text") or "")
            ]

        [text] = eventually(told, 10, "the follow-up in the guest's conversation")
        assert phone in text and "carry on here with me" in text
        # a REST client (or the terminal chat) reads it with the person's messages
        assert [m["text"] for m in person_messages(stack, guest.sender)["messages"]] == [text]
    finally:
        stack.stop("backend-quick-follow-up")
    assert "Tomato Soup" in guest.say("what's in my cart?")  # the assistant was never paused: it carries on
    assert person_messages(stack, guest.sender)["paused"] is False
