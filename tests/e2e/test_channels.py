"""The website's socket.io channel: a conversation over socket.io, and other sites refused."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import httpx
import pytest

from channels.identity import REFUSED_NOTICE
from tests.stack import Stack, chat_token, new_sender

pytestmark = pytest.mark.e2e


def socketio_connect(
    stack: Stack, origin: str, auth: dict | None = None, rasa_url: str | None = None
) -> tuple[httpx.Client, str, str]:
    """Engine.IO v4 long-polling handshake, then a socket.io CONNECT (with `auth`, as the widget sends
    a signed-in guest's chat token); returns the server's answer packet. `rasa_url`: one Rasa server."""
    client = httpx.Client(base_url=rasa_url or stack.rasa_url, headers={"Origin": origin}, timeout=30)
    opened = client.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
    sid = json.loads(opened.text[1:])["sid"]
    client.post(
        "/socket.io/",
        params={"EIO": "4", "transport": "polling", "sid": sid},
        content="40" + (json.dumps(auth) if auth else ""),
    )
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
    session = new_sender()
    client.post(
        "/socket.io/",
        params={"EIO": "4", "transport": "polling", "sid": sid},
        content="42" + json.dumps(["session_request", {"session_id": session}]),
    )
    assert poll_events(client, sid, "session_confirm") == [session]
    client.post(
        "/socket.io/",
        params={"EIO": "4", "transport": "polling", "sid": sid},
        content="42" + json.dumps(["user_uttered", {"message": "hi", "session_id": session}]),
    )
    replies = poll_events(client, sid, "bot_uttered")
    assert replies and "welcome" in replies[0]["text"].lower()


def test_another_site_is_refused(stack: Stack):
    _, _, answer = socketio_connect(stack, "https://evil.example")
    assert re.match(r"^44", answer), answer  # CONNECT_ERROR: the connection is refused


class WebsiteGuest:
    """A guest on the website: one socket.io session (Engine.IO long-polling, as browsers fall back to)."""

    def __init__(
        self, stack: Stack, session: str, auth: dict | None = None, rasa_url: str | None = None
    ) -> None:
        self.client, self.sid, answer = socketio_connect(stack, stack.backend_url, auth, rasa_url)
        assert answer.startswith("40"), answer
        self.session = session
        self._send(["session_request", {"session_id": session}])
        assert poll_events(self.client, self.sid, "session_confirm") == [session]

    def _send(self, event: list) -> None:
        self.client.post(
            "/socket.io/",
            params={"EIO": "4", "transport": "polling", "sid": self.sid},
            content="42" + json.dumps(event),
        )

    def say(self, text: str, metadata: dict | None = None) -> list[dict]:
        self._send(
            ["user_uttered", {"message": text, "session_id": self.session, "metadata": metadata or {}}]
        )
        time.sleep(1.5)  # let the whole turn's messages queue up, so one poll returns them together
        return self.receive()

    def receive(self) -> list[dict]:
        """The bot's messages that reached this socket (waits a little for the first)."""
        return poll_events(self.client, self.sid, "bot_uttered")


def test_menu_items_come_as_cards_with_picture_alt_text_price_and_add_button(stack: Stack):
    replies = WebsiteGuest(stack, new_sender()).say("show me the desserts")
    cards = [reply["attachment"]["payload"]["elements"] for reply in replies if "attachment" in reply]
    assert cards, replies
    with stack.backend() as backend:
        desserts = {
            i["name"]: i
            for i in backend.get("/api/menu/items/", params={"category": "desserts"}).json()["results"]
        }
        for card in cards:
            item = desserts[card["title"]]
            assert card["subtitle"].startswith(f"€{Decimal(item['price']):.2f}")
            assert card["image_alt"] == item["image"]["alt"]
            assert card["image_url"].startswith(stack.public_backend_url)
            assert httpx.get(card["image_url"], timeout=10).status_code == 200
            assert card["buttons"][0]["payload"] == f'/order_item{{"dish": "{item["name"]}"}}'


def test_a_signed_in_guests_cart_is_linked_to_their_account(stack: Stack):
    public_id = stack.orm(
        "from apps.customers.models import Customer; print(Customer.objects.create().public_id)"
    ).strip()
    guest = WebsiteGuest(stack, new_sender(), {"token": chat_token(public_id)})  # token at connect only
    guest.say("one tomato soup please")
    guest.say("regular")
    linked = stack.orm(
        "from apps.ordering.models import Cart; "
        f"print(Cart.objects.get(conversation_id='{guest.session}').customer.public_id)"
    ).strip()
    assert linked == public_id


@pytest.mark.parametrize(
    "token",
    [
        chat_token("cus_00000000000000ab", secret="someone-elses-key-0123456789abcdef"),
        chat_token("cus_00000000000000ab", ttl_seconds=-60),
    ],
    ids=["forged", "expired"],
)
def test_a_bad_token_is_refused_at_connect_with_a_reason(stack: Stack, token: str):
    _, _, answer = socketio_connect(stack, stack.backend_url, {"token": token})
    assert answer.startswith("44"), answer  # CONNECT_ERROR
    assert REFUSED_NOTICE in json.loads(answer[2:])["message"]


def test_a_claimed_customer_id_without_a_token_orders_as_a_guest(stack: Stack):
    public_id = stack.orm(
        "from apps.customers.models import Customer; print(Customer.objects.create().public_id)"
    ).strip()
    guest = WebsiteGuest(stack, new_sender())
    guest.say("one tomato soup please", {"customer": public_id})
    guest.say("regular", {"customer": public_id})
    lines = stack.orm(
        f"from apps.ordering.models import Cart; c = Cart.objects.get(conversation_id='{guest.session}'); "
        "print(c.customer_id, c.lines.count())"
    ).split()
    assert lines == ["None", "1"]
