"""Signed-in guests through the running stack: the chat token, "the same as last time", the tracker
free of personal data, refused tokens, and order updates pushed into the conversation."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from standardwebhooks import Webhook

from channels.identity import REFUSED_NOTICE
from tests.conftest import POS_SECRET
from tests.e2e.test_ordering import Guest, checkout_at_the_counter, order_a_soup, order_with_size
from tests.fakes.pos_server import FakePos
from tests.stack import Stack, chat_token, texts

pytestmark = pytest.mark.e2e

NAME, EMAIL, PHONE = "Ada Lovelace", "ada.lovelace@example.org", "+31 6 12345678"


def new_account(stack: Stack, username: str) -> str:
    """A website account with a name, e-mail and phone; returns its opaque customer id."""
    return stack.orm(
        "from django.contrib.auth import get_user_model; from apps.customers.models import Customer; "
        f"u = get_user_model().objects.create_user({username!r}, {EMAIL!r}, 'pw-123456-long', first_name='Ada', "
        "last_name='Lovelace'); "
        f"c = Customer.objects.create(user=u, name={NAME!r}, email={EMAIL!r}, phone={PHONE!r}); print(c.public_id)"
    ).strip()


class SignedInGuest(Guest):
    def __init__(self, stack: Stack, customer: str, token: str | None = None) -> None:
        super().__init__(stack)
        self.token = token or chat_token(customer)

    def send(self, text: str) -> str:
        """Every message with the guest's chat token (Guest.say checks for clarification questions)."""
        return texts(self.stack.say(self.sender, text, {"token": self.token}))


def order_customer(stack: Stack, number: str) -> str:
    return stack.orm(
        f"from apps.ordering.models import Order; o = Order.objects.get(number={number!r}); "
        "print(o.customer.public_id if o.customer else None)"
    ).strip()


def test_a_signed_in_guests_order_is_linked_and_the_tracker_holds_no_personal_data(stack: Stack):
    customer = new_account(stack, "ada-linked")
    guest = SignedInGuest(stack, customer)
    placed = order_a_soup(guest)
    # the account can be reached, so no "add your contact details" form for a pickup
    assert "as you chose on your account" in placed and "/checkout/" not in placed
    number = guest.slot("last_order_number")
    assert order_customer(stack, number) == customer

    rows = stack.tracker_rows(guest.sender)
    assert rows and any(customer in row for row in rows)  # the opaque id is how the chat knows the account
    dump = "\n".join(rows).lower()
    for secret in [NAME.lower(), "lovelace", EMAIL.lower(), "12345678", guest.token.lower()]:
        assert secret not in dump, f"{secret!r} leaked into the tracker store"


def test_a_delivery_to_the_accounts_postcode_goes_to_its_saved_address_without_a_form(stack: Stack):
    address = "Damrak 1, third floor"
    customer = new_account(stack, "ada-delivery")
    stack.orm(
        f"from apps.customers.models import Customer; Customer.objects.filter(public_id={customer!r})"
        f".update(address={address!r}, postcode='1012LG')"
    )  # saved on the account page
    guest = SignedInGuest(stack, customer)
    order_with_size(guest, "I'd like two chicken katsu curry", "regular")
    for text in ["checkout", "delivery", "1012", "asap"]:
        guest.say(text)
    assert "Shall I place" in guest.say("card")
    placed = guest.say("yes")
    assert "deliver to the address saved on your account" in placed and "/checkout/" not in placed, placed
    assert order_customer(stack, guest.slot("last_order_number")) == customer
    assert not any("damrak" in row.lower() for row in stack.tracker_rows(guest.sender))

    elsewhere = SignedInGuest(stack, customer)  # another postcode: that address is asked for on the form
    order_with_size(elsewhere, "I'd like two chicken katsu curry", "regular")
    for text in ["checkout", "delivery", "1013", "asap", "card"]:
        elsewhere.say(text)
    assert "/checkout/" in elsewhere.say("yes")


def test_the_same_as_last_time_rebuilds_the_cart_at_todays_prices(stack: Stack):
    customer = new_account(stack, "ada-reorder")
    first = SignedInGuest(stack, customer)
    order_with_size(first, "two tomato soups please", "regular")
    checkout_at_the_counter(first)
    assert "is placed" in first.say("yes")
    soup = "from apps.menu.models import MenuItem; soup = MenuItem.objects.get(name='Tomato Soup')\n"
    old = Decimal(stack.orm(soup + "print(soup.price)"))
    new = old + Decimal("1.25")
    stack.orm(soup + f"soup.price = '{new}'; soup.save()")  # as staff would in the admin
    try:
        _reorder_at(stack, customer, old, new)
    finally:
        stack.orm(soup + f"soup.price = '{old}'; soup.save()")


def _reorder_at(stack: Stack, customer: str, old: Decimal, new: Decimal) -> None:
    """A new conversation, days later: the past order comes back at today's price, ordered only after yes."""
    again = SignedInGuest(stack, customer)
    reply = again.say("the same as last time please")
    cart = again.cart()
    assert [(line["item"]["name"], line["quantity"]) for line in cart["lines"]] == [("Tomato Soup", 2)]
    assert Decimal(cart["lines"][0]["unit_price"]) == new  # today's price, from the backend
    assert f"€{new:.2f}" in reply and f"it was €{old:.2f}" in reply, reply
    assert f"Total: €{cart['total']}" in reply and "checkout" in reply.lower()
    assert again.slot("last_order_number") is None  # nothing is ordered before the explicit yes

    assert "pickup or delivery" in again.say("yes").lower()
    for text in ["pickup", "asap"]:
        again.say(text)
    summary = again.say("I'll pay at the counter")
    assert f"€{cart['total']}" in summary and "Shall I place" in summary
    assert "is placed" in again.say("yes")
    number = again.slot("last_order_number")
    order = again.order(number)
    assert Decimal(order["total"]) == Decimal(cart["total"]) and order_customer(stack, number) == customer


@pytest.mark.parametrize("kind", ["forged", "expired"])
def test_a_forged_or_expired_token_is_refused_and_the_guest_goes_on_as_a_guest(stack: Stack, kind: str):
    customer = new_account(stack, f"ada-{kind}")
    token = (
        chat_token(customer, secret="not-the-restaurants-key-0123456789")
        if kind == "forged"
        else chat_token(customer, ttl_seconds=-30)
    )
    guest = SignedInGuest(stack, customer, token)
    reply = guest.say("one tomato soup please")
    assert REFUSED_NOTICE in reply
    if "size" in reply.lower():
        guest.say("regular")
    cart = guest.cart()
    assert cart["customer"] is None and [line["item"]["name"] for line in cart["lines"]] == ["Tomato Soup"]
    assert "log in" in guest.say("order my usual").lower()


def test_an_identity_proven_on_one_message_does_not_carry_over_to_the_next(stack: Stack):
    """Issue 16's trigger: one message with a valid token, the next ones on the same sender id without."""
    customer = new_account(stack, "ada-one-message")
    signed_in = SignedInGuest(stack, customer)
    assert "welcome" in signed_in.say("hi").lower()
    same_conversation = Guest(stack)
    same_conversation.sender = signed_in.sender  # a shared browser, a logged-out tab, a REST caller
    order_with_size(same_conversation, "one tomato soup please", "regular")
    assert same_conversation.cart()["customer"] is None
    checkout_at_the_counter(same_conversation)
    assert "is placed" in same_conversation.say("yes")
    assert order_customer(stack, same_conversation.slot("last_order_number")) == "None"


def test_a_token_that_expires_mid_conversation_is_told_once_and_the_order_is_a_guests(stack: Stack):
    customer = new_account(stack, "ada-expiring")
    guest = SignedInGuest(stack, customer)
    order_with_size(guest, "one tomato soup please", "regular")
    assert guest.cart()["customer"] == customer  # while signed in, the cart is the account's
    guest.token = chat_token(customer, ttl_seconds=-30)  # the sign-in runs out; the page keeps sending it
    replies = [guest.say("what's in my cart?")]
    assert REFUSED_NOTICE in replies[0] and "Tomato Soup" in replies[0]  # told, and the cart is still there
    replies += [guest.say(text) for text in ["checkout", "pickup", "asap", "I'll pay at the counter", "yes"]]
    assert sum(REFUSED_NOTICE in reply for reply in replies) == 1, replies
    assert "is placed" in replies[-1], replies
    assert order_customer(stack, guest.slot("last_order_number")) == "None"  # not on the account


def test_order_my_usual_needs_a_login(stack: Stack):
    guest = Guest(stack)
    reply = guest.say("can I get my usual order")
    assert "log in" in reply.lower() and "/accounts/login/" in reply
    assert guest.slot("cart_id") is None


def wait_for_bot_text(stack: Stack, sender: str, needle: str, timeout: float = 20) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for event in stack.tracker(sender)["events"]:
            if event.get("event") == "bot" and needle in (event.get("text") or ""):
                return event["text"]
        time.sleep(0.3)
    raise AssertionError(f"no bot message containing {needle!r} in {sender}")


def test_a_status_change_by_staff_is_pushed_into_the_conversation(stack: Stack):
    guest, order, placed = place_as_guest(stack)
    assert "/checkout/" in placed  # a guest leaves contact details on a form
    number = order["number"]
    with stack.backend() as client:
        for status in ("confirmed", "preparing", "ready"):
            assert (
                client.post(f"/api/orders/{order['id']}/status/", json={"status": status}).status_code == 200
            )
    assert wait_for_bot_text(stack, guest.sender, f"Your order #{number} is ready for pickup")
    # the guest keeps chatting normally afterwards
    assert "welcome" in guest.say("hi").lower()


def place_as_guest(stack: Stack) -> tuple[Guest, dict, str]:
    """A guest's soup order: the conversation, the backend's order, and the "is placed" message."""
    guest = Guest(stack)
    placed = order_a_soup(guest)
    return guest, guest.order(), placed


def test_a_confirmed_order_reaches_the_pos_signed_and_once(stack: Stack, fake_pos: FakePos):
    guest, order, _ = place_as_guest(stack)
    with stack.backend() as client:
        assert (
            client.post(f"/api/orders/{order['id']}/status/", json={"status": "confirmed"}).status_code == 200
        )
    wait_for_bot_text(stack, guest.sender, f"Your order #{order['number']} is confirmed")
    sent = [r for r in fake_pos.requests if r.order["reference_id"] == order["number"]]
    assert len(sent) == 1
    Webhook(POS_SECRET).verify(sent[0].body, sent[0].headers)  # raises if the signature is wrong
    assert [(item["name"], item["quantity"]) for item in sent[0].order["line_items"]] == [
        ("Tomato Soup", "1")
    ]


def test_an_order_cancelled_after_the_pos_took_it_is_withdrawn_there(stack: Stack, fake_pos: FakePos):
    guest, order, _ = place_as_guest(stack)
    with stack.backend() as client:
        assert (
            client.post(f"/api/orders/{order['id']}/status/", json={"status": "confirmed"}).status_code == 200
        )
        wait_for_bot_text(stack, guest.sender, f"Your order #{order['number']} is confirmed")
        assert (
            client.post(f"/api/orders/{order['id']}/status/", json={"status": "cancelled"}).status_code == 200
        )
    deadline = time.monotonic() + 20
    while not fake_pos.withdrawals and time.monotonic() < deadline:
        time.sleep(0.2)
    ticket = stack.orm(
        "from apps.kitchen.models import PosSubmission; "
        f"print(PosSubmission.objects.get(order_id={order['id']}, adapter='http').external_id)"
    ).strip()
    [withdrawal] = [w for w in fake_pos.withdrawals if w.order.get("state") == "CANCELED"]
    Webhook(POS_SECRET).verify(withdrawal.body, withdrawal.headers)
    assert (
        ticket
        and withdrawal.path == f"/v2/orders/{ticket}"
        and withdrawal.headers["idempotency-key"].endswith("-cancel")
    )
    assert (
        len([r for r in fake_pos.requests if r.order["reference_id"] == order["number"]]) == 1
    )  # no new ticket


def test_an_order_the_pos_rejects_is_marked_and_the_guest_is_told_in_the_chat(
    stack: Stack, fake_pos: FakePos
):
    guest, order, _ = place_as_guest(stack)
    fake_pos.reject_reason = "Tomato soup is off today"
    try:
        with stack.backend() as client:
            assert (
                client.post(f"/api/orders/{order['id']}/status/", json={"status": "confirmed"}).status_code
                == 200
            )
        told = wait_for_bot_text(stack, guest.sender, f"Your order #{order['number']} couldn't be accepted")
    finally:
        fake_pos.reject_reason = None
    assert "not been charged" in told
    with stack.backend() as client:
        assert client.get(f"/api/orders/{order['id']}/").json()["status"] == "rejected"
    texts_about_it = [
        e["text"]
        for e in stack.tracker(guest.sender)["events"]
        if e.get("event") == "bot" and f"#{order['number']}" in (e.get("text") or "")
    ]
    assert sum("couldn't be accepted" in text for text in texts_about_it) == 1  # told once, not per event
