"""The staff takeover page: who may see it, what it shows, and a claim that cannot reach the chat."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from apps.restaurant.models import Restaurant
from apps.support.models import Handoff
from tests.conftest import Receiver, new_cart
from tests.test_api_basics import ALWAYS_OPEN

# the page reads the conversation from Rasa's tracker store (a copy of the review tool's fixture)
pytestmark = pytest.mark.django_db(databases=["default", "tracker"], transaction=True)


def staff_client(username: str, *, may_take_over: bool) -> Client:
    user = User.objects.create_user(
        username, password="a-long-test-password-42", is_staff=True, first_name="Anna"
    )
    if may_take_over:
        user.user_permissions.add(
            Permission.objects.get(codename="handle_handoff", content_type__app_label="support")
        )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def waiting(api, demo) -> Handoff:
    Restaurant.objects.update(opening_hours=ALWAYS_OPEN)
    cart = new_cart(api, (demo["diavola-pizza"], 2, []))
    response = api.post(
        "/api/handoffs/",
        {"conversation_id": "conv-1", "reason": "I'm outside, call 0612345678"},
        format="json",
    )
    assert response.status_code == 201 and cart["lines"]
    return Handoff.objects.get(pk=response.json()["id"])


def test_only_staff_with_the_permission_see_waiting_guests(client, waiting, tracker):
    for path in ("/support/", "/support/handoffs.json"):
        assert client.get(path).status_code == 302  # to the login page
        assert staff_client(f"cook-{len(path)}", may_take_over=False).get(path).status_code == 403
    assert client.post(f"/support/handoffs/{waiting.pk}/claim/").status_code == 302


def test_the_page_lists_why_the_cart_and_the_wait(waiting, tracker):
    anna = staff_client("anna", may_take_over=True)
    [card] = anna.get("/support/handoffs.json").json()["handoffs"]
    assert card["id"] == waiting.pk and card["status"] == "open"
    assert card["reason"] == "I'm outside, call 0612345678"  # shown unmasked to this permission only
    assert [(line["item"]["name"], line["quantity"]) for line in card["cart"]["lines"]] == [
        ("Diavola Pizza", 2)
    ]
    assert card["waiting_seconds"] >= 0
    assert b"Guests waiting for a person" in anna.get("/support/").content


def test_a_claim_that_cannot_reach_the_chat_changes_nothing(settings, waiting):
    settings.RASA_URL = ""  # the chat is unreachable: the assistant could not be paused
    anna = staff_client("anna", may_take_over=True)
    response = anna.post(f"/support/handoffs/{waiting.pk}/claim/")
    assert response.status_code == 502 and response.json()["error"]["code"] == "chat_unreachable"
    waiting.refresh_from_db()
    assert waiting.status == Handoff.Status.OPEN and waiting.claimed_by is None


def test_the_admin_shows_handoffs_masked_and_cannot_change_them(waiting, admin_client):
    """Outside the staff page the guest's words stay masked (the review tool's rules), and a status set in
    the admin would neither pause nor resume the assistant: it can't be changed there."""
    listing = admin_client.get("/admin/support/handoff/")
    detail = admin_client.get(f"/admin/support/handoff/{waiting.pk}/change/")
    for page in (listing, detail):
        assert page.status_code == 200
        text = page.content.decode()
        assert "0612345678" not in text and "I&#x27;m outside" in text
    changed = admin_client.post(f"/admin/support/handoff/{waiting.pk}/change/", {"status": "claimed"})
    assert changed.status_code == 403
    waiting.refresh_from_db()
    assert waiting.status == Handoff.Status.OPEN


def test_staff_change_a_dishs_quantity_in_the_guests_cart_and_the_guest_is_told(waiting, rasa, tracker):
    anna, ben = staff_client("anna", may_take_over=True), staff_client("ben", may_take_over=True)
    assert anna.post(f"/support/handoffs/{waiting.pk}/claim/").status_code == 200
    [line] = waiting_cart_lines(waiting)
    path = f"/support/handoffs/{waiting.pk}/cart/"

    changed = anna.post(path, {"line": line.pk, "quantity": 3}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert [(line.item.name, line.quantity) for line in waiting_cart_lines(waiting)] == [("Diavola Pizza", 3)]
    told = [r["json"][-1] for r in rasa.requests if "tracker/events" in r["path"]][-1]
    assert told["metadata"] == {"human": True, "staff": "Anna"}
    assert "Diavola Pizza to 3" in told["text"] and "Your cart: 3 item(s)" in told["text"]

    # what cannot be: not the holder, a dish not in the cart, a quantity out of range; nothing changes
    assert (
        ben.post(path, {"line": line.pk, "quantity": 1}, content_type="application/json").status_code == 409
    )
    assert (
        anna.post(path, {"line": line.pk + 999, "quantity": 1}, content_type="application/json").status_code
        == 404
    )
    too_many = anna.post(path, {"line": line.pk, "quantity": 9999}, content_type="application/json")
    assert too_many.status_code == 400 and too_many.json()["error"]["code"] == "invalid_quantity"
    assert [cart_line.quantity for cart_line in waiting_cart_lines(waiting)] == [3]

    removed = anna.post(path, {"line": line.pk, "quantity": 0}, content_type="application/json")
    assert removed.status_code == 200 and waiting_cart_lines(waiting) == []
    told = [r["json"][-1] for r in rasa.requests if "tracker/events" in r["path"]][-1]
    assert "taken Diavola Pizza out of your cart" in told["text"]


def waiting_cart_lines(handoff: Handoff) -> list:
    from apps.ordering.models import CartLine

    return list(CartLine.objects.filter(cart__conversation_id=handoff.conversation_id).select_related("item"))


def cart_state(handoff: Handoff) -> list[tuple[int, str, int]]:
    return [(line.pk, line.item.name, line.quantity) for line in waiting_cart_lines(handoff)]


def chat_events(rasa: Receiver) -> list[dict[str, Any]]:
    return [r for r in rasa.requests if "tracker/events" in r["path"]]


def test_bad_cart_changes_get_a_clear_400_and_change_nothing(waiting, rasa, tracker, demo):
    hedda = staff_client("hedda-bad-cart", may_take_over=True)
    assert hedda.post(f"/support/handoffs/{waiting.pk}/claim/").status_code == 200
    [line] = waiting_cart_lines(waiting)
    before, told = cart_state(waiting), len(chat_events(rasa))
    quantity_message = "Please choose a quantity between 1 and "
    cases = [
        # a quantity that is not an integer (0.0 is not 0: it takes nothing out)
        ({"line": line.pk, "quantity": 0.0}, "invalid_quantity", quantity_message),
        ({"line": line.pk, "quantity": 2.5}, "invalid_quantity", quantity_message),
        ({"line": line.pk, "quantity": "2"}, "invalid_quantity", quantity_message),
        ({"item": demo["diavola-pizza"].pk, "quantity": 1.5}, "invalid_quantity", quantity_message),
        ({"item": demo["diavola-pizza"].pk, "quantity": True}, "invalid_quantity", quantity_message),
        # which dish is missing
        ({"line": None, "quantity": 1}, "validation_error", "Please say which dish in the cart to change."),
        (
            {"line": "the pizza", "quantity": 1},
            "validation_error",
            "Please say which dish in the cart to change.",
        ),
        ({"quantity": 1}, "validation_error", "Please say which dish to add."),
        ({"item": None}, "validation_error", "Please say which dish to add."),
        # not a JSON object
        ([{"line": line.pk, "quantity": 3}], "validation_error", "Send a JSON object."),
        ("3", "validation_error", "Send a JSON object."),
    ]
    for body, code, message in cases:
        answer = hedda.post(f"/support/handoffs/{waiting.pk}/cart/", body, content_type="application/json")
        assert answer.status_code == 400, (body, answer.content)
        error = answer.json()["error"]
        assert set(answer.json()) == {"error"} and set(error) == {"code", "message"}, body
        assert error["code"] == code and error["message"].startswith(message), (body, error)
        assert cart_state(waiting) == before, body
        assert len(chat_events(rasa)) == told, body  # the guest is told nothing


def test_bad_staff_messages_get_a_clear_400_and_say_nothing(waiting, rasa, tracker):
    ines = staff_client("ines-bad-message", may_take_over=True)
    assert ines.post(f"/support/handoffs/{waiting.pk}/claim/").status_code == 200
    told = len(chat_events(rasa))
    path = f"/support/handoffs/{waiting.pk}/messages/"
    cases = [
        ({"text": "x" * 2001}, "message_too_long", "Please keep a message under 2,000 characters."),
        ({"text": "   "}, "empty_message", "Write a message first."),
        ({"text": 42}, "empty_message", "Write a message first."),
        ({}, "empty_message", "Write a message first."),
        (["Hello"], "validation_error", "Send a JSON object."),
    ]
    for body, code, message in cases:
        answer = ines.post(path, body, content_type="application/json")
        assert answer.status_code == 400, (body, answer.content)
        assert answer.json() == {"error": {"code": code, "message": message}}, body
        assert len(chat_events(rasa)) == told, body  # nothing reached the guest's chat

    sent = ines.post(path, {"text": "  " + "y" * 1996 + "  "}, content_type="application/json")
    assert sent.status_code == 200, sent.content
    [said] = chat_events(rasa)[told:]
    assert said["json"][-1]["text"] == "y" * 1996  # without the blanks around it
