"""Erasing a guest (apps.customers.erasure): everything about them goes or is anonymised, in every table, the
tracker store and the exported files; orders stay for the accounts; other guests are untouched."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import DatabaseError
from django.test import Client

from apps.customers.erasure import ErasureRefused, erase_conversation, erase_customer
from apps.customers.models import Customer
from apps.notifications.models import Notification
from apps.ordering.checkout import details_link_token
from apps.ordering.models import Cart, Order
from apps.review import exporting
from apps.review.models import (
    AuditLog,
    ConversationReview,
    MessageFlag,
    NLUDecision,
    Tag,
    TurnCorrection,
    audit,
)
from apps.review.nlu import normalise
from apps.review.stories import save_test
from apps.review.tracker import load_conversation, refresh_summaries
from apps.support.models import Handoff
from apps.webhooks.models import WebhookDelivery
from tests.conftest import api, demo, receiver  # noqa: F401 - shared fixtures

from .guest_data import TRACKER_DB, add_conversation, empty_tracker, found_in_database, tracker_count

pytestmark = pytest.mark.django_db(**TRACKER_DB)

GRACE_PII = ["Grace", "Hopper", "grace@example.org", "12345678", "Damrak"]
GRACE_SAYS = "I'm Grace Hopper, deliver to Damrak 1 please, call me on +31 6 12345678"
ADA_SAYS = "Ada Lovelace here, do you have gluten-free pizza?"
SHARED = "is the tiramisu vegan?"


@pytest.fixture
def tracker(tmp_path: Path, settings) -> Path:
    with empty_tracker(tmp_path, settings) as path:
        yield path


def order_in(api, customer: Customer | None, conversation: str, demo, key: str, **extra) -> Order:
    cart = api.post(
        "/api/carts/",
        {
            "channel": "socketio",
            "conversation_id": conversation,
            "customer": customer.public_id if customer else None,
        },
        format="json",
    ).json()
    api.post(
        f"/api/carts/{cart['id']}/items/",
        {"item": demo["diavola-pizza"].pk, "quantity": 2, "options": []},
        format="json",
    )
    body = {
        "cart": cart["id"],
        "fulfilment": "pickup",
        "payment_method": "card_online",
        "conversation_id": conversation,
        "customer": customer.public_id if customer else None,
        **extra,
    }
    placed = api.post("/api/orders/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert placed.status_code == 201, placed.json()
    return Order.objects.get(pk=placed.json()["id"])


@pytest.fixture
def guests(tracker, api, demo, receiver, settings):
    """Grace (website account) with everything a guest can leave behind; Ada, another guest, with some of it."""
    settings.WEBHOOK_URLS = [receiver.url]
    user = User.objects.create_user(
        "grace", "grace@example.org", "a-long-harbour-password-42", first_name="Grace", last_name="Hopper"
    )
    grace = Customer.objects.create(
        user=user,
        name="Grace Hopper",
        phone="+31612345678",
        email="grace@example.org",
        address="Damrak 1",
        postcode="1012LG",
        notify_email=True,
        notify_sms=True,
    )
    ada = Customer.objects.create(
        name="Ada Lovelace",
        phone="+31687654321",
        email="ada@example.org",
        address="Prinsengracht 2",
        postcode="1015DV",
    )
    order = order_in(api, grace, "conv-g", demo, "key-g", fulfilment="delivery", postcode="1012")
    open_cart = api.post(
        "/api/carts/",
        {"channel": "socketio", "conversation_id": "conv-g", "customer": grace.public_id},
        format="json",
    ).json()
    ada_order = order_in(api, ada, "conv-ada", demo, "key-ada")
    for conversation, customer, reason in (
        ("conv-g", grace, f"Guest wrote: {GRACE_SAYS}"),
        ("conv-ada", ada, "Ada Lovelace asks about gluten"),
    ):
        assert (
            api.post(
                "/api/handoffs/",
                {"conversation_id": conversation, "reason": reason, "customer": customer.public_id},
                format="json",
            ).status_code
            == 201
        )

    grace_events = add_conversation(
        tracker,
        "conv-g",
        [
            (SHARED, "It contains egg and mascarpone."),
            (GRACE_SAYS, "Thanks, Grace Hopper! Your order goes to Damrak 1."),
            ("thanks", "Enjoy!"),
        ],
        customer=grace.public_id,
    )
    # A chat with no cart or order: found through the customer id the channel put into the message metadata.
    add_conversation(
        tracker, "conv-g-chat", [("my e-mail is grace@example.org", "Noted.")], customer=grace.public_id
    )
    ada_events = add_conversation(
        tracker, "conv-ada", [(SHARED, "It contains egg."), (ADA_SAYS, "Yes, we do.")], customer=ada.public_id
    )

    # The review tool's work on these conversations, and its exports.
    refresh_summaries()
    for text in (GRACE_SAYS, SHARED, ADA_SAYS):
        NLUDecision.objects.create(normalized=normalise(text), text=text, intent="inform", status="validated")
    MessageFlag.objects.create(
        sender_id="conv-g",
        event_id=grace_events[3],
        label="wrong_fact",
        note="Grace Hopper was promised Damrak 1",
    )
    MessageFlag.objects.create(sender_id="conv-ada", event_id=ada_events[3], label="good")
    TurnCorrection.objects.create(
        sender_id="conv-g",
        event_id=grace_events[2],
        intent="inform",
        entities=[{"entity": "name", "start": 4, "end": 16, "value": "Grace Hopper"}],
    )
    reviewer = User.objects.create_user("rita", is_staff=True)
    audit(
        reviewer,
        "correct_turn",
        "conv-g",
        event_id=grace_events[2],
        intent="inform",
        entities=[{"entity": "name", "value": "Grace Hopper"}],
    )
    review = ConversationReview.objects.create(sender_id="conv-g", status="flagged")
    review.tags.add(Tag.objects.create(name="delivery"))
    exporting.export_all()
    saved = save_test("conv-g", load_conversation("conv-g"))
    return SimpleNamespace(
        user=user,
        grace=grace,
        ada=ada,
        order=order,
        ada_order=ada_order,
        open_cart=open_cart,
        saved=saved,
        tracker=tracker,
        receiver=receiver,
    )


def exported(settings) -> str:
    return Path(settings.REVIEW_NLU_EXPORT_FILE).read_text() + Path(settings.REVIEW_LLM_EVAL_FILE).read_text()


def test_erasing_a_customer_leaves_no_trace_of_them_and_keeps_their_order_for_the_accounts(guests, settings):
    before = {needle: found_in_database(needle) for needle in GRACE_PII}
    assert before["Hopper"] and before["Damrak"] and all(before.values())  # the scenario really holds them
    assert "Hopper" in exported(settings) and guests.saved.exists()
    order = guests.order
    total, lines, token = (
        order.total,
        list(order.lines.values_list("item_name", "quantity", "line_total")),
        order.details_token,
    )
    assert (
        order.delivery_address == "Damrak 1" and order.postcode == "1012" and order.notifications.count() == 2
    )

    report = erase_customer(guests.grace)

    assert report.counts() == {
        "deleted": {
            "carts": 1,
            "conversation_reviews": 1,
            "conversation_summaries": 2,
            "customers": 1,
            "exported_llm_eval_cases": 1,
            "exported_nlu_examples": 1,
            "handoffs": 1,
            "message_flags": 1,
            "nlu_decisions": 1,
            "notifications": 2,
            "saved_conversation_tests": 1,
            "tracker_events": 8,
            "turn_corrections": 1,
            "user_accounts": 1,
        },
        "anonymised": {"audit_log_entries": 1, "carts": 1, "orders": 1, "webhook_deliveries": 1},
    }
    # Nothing of Grace's anywhere: every text column of every table, the tracker store, the exported files.
    for needle in GRACE_PII:
        assert found_in_database(needle) == [], needle
        assert tracker_count(guests.tracker, like=needle) == 0, needle
        assert needle not in exported(settings), needle
    assert tracker_count(guests.tracker, "conv-g") == tracker_count(guests.tracker, "conv-g-chat") == 0
    assert not guests.saved.exists()
    assert not User.objects.filter(username="grace").exists()
    assert not Cart.objects.filter(pk=guests.open_cart["id"]).exists()
    delivery = WebhookDelivery.objects.get(payload__data__order_id=order.pk)
    assert (
        delivery.payload["data"]["customer"] is None and delivery.payload["data"]["conversation_id"] is None
    )
    # The order stays for the books, with nothing that points at Grace.
    order.refresh_from_db()
    assert order.total == total and order.total > Decimal("0")
    assert list(order.lines.values_list("item_name", "quantity", "line_total")) == lines
    assert order.payment.amount == total and order.status == "placed" and order.number
    assert (order.customer, order.delivery_address, order.postcode, order.conversation_id) == (
        None,
        "",
        None,
        "",
    )
    assert order.details_token != token and order.cart.customer is None and order.cart.conversation_id == ""
    assert any("bookkeeping" in note for note in report.notes)
    assert any("committed to git" in note for note in report.notes)
    assert "Hopper" not in "\n".join(report.lines())

    # Ada is untouched: her record, order, chat, hand-off, decisions, exports.
    ada = Customer.objects.get(pk=guests.ada.pk)
    assert (ada.name, ada.phone, ada.email, ada.address) == (
        "Ada Lovelace",
        "+31687654321",
        "ada@example.org",
        "Prinsengracht 2",
    )
    assert Order.objects.get(pk=guests.ada_order.pk).customer == ada
    assert Order.objects.get(pk=guests.ada_order.pk).conversation_id == "conv-ada"
    assert Notification.objects.filter(order=guests.ada_order).count() == 1  # e-mail only (no SMS chosen)
    assert tracker_count(guests.tracker, "conv-ada") == 4
    assert Handoff.objects.filter(conversation_id="conv-ada", customer=ada).exists()
    assert set(NLUDecision.objects.values_list("text", flat=True)) == {SHARED, ADA_SAYS}  # also said by Ada
    assert "Ada Lovelace" in Path(settings.REVIEW_NLU_EXPORT_FILE).read_text()
    assert [
        json.loads(line)["label"] for line in Path(settings.REVIEW_LLM_EVAL_FILE).read_text().splitlines()
    ] == ["good"]
    assert MessageFlag.objects.filter(sender_id="conv-ada").count() == 1


def test_erasing_again_finds_nothing_more(guests):
    erase_customer(guests.grace)
    assert erase_conversation("conv-g").counts() == {"deleted": {}, "anonymised": {}}


def test_erasing_an_anonymous_conversation_erases_the_details_its_guest_typed(tracker, api, demo):
    order = order_in(api, None, "conv-anon", demo, "key-anon", fulfilment="delivery", postcode="1011")
    details = Client().post(
        f"/checkout/{details_link_token(order)}/",
        {
            "name": "Grace Hopper",
            "phone": "+31 6 12345678",
            "email": "grace@example.org",
            "address": "Damrak 1",
        },
    )
    assert details.status_code == 200
    order.refresh_from_db()
    guest = order.customer
    assert guest is not None and guest.user is None and order.delivery_address == "Damrak 1"
    Handoff.objects.create(conversation_id="conv-anon", reason=GRACE_SAYS)
    add_conversation(tracker, "conv-anon", [(GRACE_SAYS, "Thanks!")])
    add_conversation(tracker, "conv-else", [("hi", "Hello!")])

    report = erase_conversation("conv-anon")

    assert report.deleted["customers"] == 1 and report.deleted["handoffs"] == 1
    assert report.deleted["tracker_events"] == 2 and report.anonymised["orders"] == 1
    for needle in GRACE_PII:
        assert found_in_database(needle) == [], needle
        assert tracker_count(tracker, like=needle) == 0
    order.refresh_from_db()
    assert order.customer is None and order.delivery_address == "" and order.total == Decimal("28.50")
    assert tracker_count(tracker, "conv-else") == 2


def test_an_account_s_order_in_an_erased_conversation_stays_with_the_account(tracker, api, demo):
    user = User.objects.create_user("ada", "ada@example.org", "pw-ada-123456")
    ada = Customer.objects.create(user=user, name="Ada Lovelace", email="ada@example.org")
    order = order_in(api, ada, "conv-shared", demo, "key-shared")
    report = erase_conversation("conv-shared")
    order.refresh_from_db()
    assert order.customer == ada and order.conversation_id == "" and report.anonymised["orders"] == 0
    assert Customer.objects.filter(pk=ada.pk).exists() and User.objects.filter(pk=user.pk).exists()
    assert any("website account" in note for note in report.notes)


def test_staff_accounts_are_refused(tracker):
    staff = User.objects.create_user("sam", "sam@example.org", "pw-sam-123456", is_staff=True)
    customer = Customer.objects.create(user=staff, name="Sam")
    with pytest.raises(ErasureRefused):
        erase_customer(customer)
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_a_failing_tracker_store_leaves_the_database_as_it_was(guests, settings, tmp_path):
    broken = tmp_path / "not-a-database.db"
    broken.write_text("this is not SQLite")
    settings.TRACKER_DATABASE_URL = (
        f"sqlite:///{broken}"  # reads still work through the alias; the delete fails
    )
    with pytest.raises(DatabaseError):
        erase_customer(guests.grace)
    assert Customer.objects.filter(pk=guests.grace.pk, name="Grace Hopper").exists()
    assert Order.objects.get(pk=guests.order.pk).delivery_address == "Damrak 1"
    assert Handoff.objects.filter(conversation_id="conv-g").exists()
    assert tracker_count(guests.tracker, "conv-g") == 6


def test_no_tracker_store_yet_is_no_conversation(tmp_path, settings):
    with empty_tracker(tmp_path, settings):
        settings.TRACKER_DATABASE_URL = f"sqlite:///{tmp_path / 'missing.db'}"
        customer = Customer.objects.create(name="Grace Hopper", email="grace@example.org")
        report = erase_customer(customer)
    assert report.deleted["customers"] == 1 and report.deleted["tracker_events"] == 0
    assert not (tmp_path / "missing.db").exists()  # never created by the erasure


# --- manage.py erase_guest --------------------------------------------------------------------------------


def test_the_command_erases_by_e_mail_and_prints_the_report(guests):
    out = StringIO()
    call_command("erase_guest", "--email", "GRACE@example.org", "--no-input", stdout=out)
    printed = out.getvalue()
    assert f"Erased guest {guests.grace.public_id}." in printed
    assert "deleted" in printed and "chat messages and events" in printed and "orders" in printed
    assert "bookkeeping" in printed and "Hopper" not in printed
    assert not Customer.objects.filter(pk=guests.grace.pk).exists()
    entry = AuditLog.objects.get(action="erase_guest")
    assert entry.detail["deleted"]["tracker_events"] == 8 and entry.detail["via"] == "manage.py erase_guest"
    assert "grace@" not in json.dumps(entry.detail) + entry.target


def test_the_command_erases_a_customer_or_a_conversation(guests):
    call_command("erase_guest", "--conversation", "conv-ada", "--no-input", stdout=StringIO())
    assert tracker_count(guests.tracker, "conv-ada") == 0
    assert Order.objects.get(pk=guests.ada_order.pk).conversation_id == ""
    out = StringIO()
    call_command("erase_guest", "--customer", guests.grace.public_id, "--no-input", stdout=out)
    assert not User.objects.filter(username="grace").exists() and "website accounts" in out.getvalue()


def test_the_command_asks_first_and_refuses_unknown_customers(guests, monkeypatch):
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="Nothing erased"):
        call_command("erase_guest", "--customer", guests.grace.public_id, stdout=StringIO())
    assert Customer.objects.filter(pk=guests.grace.pk).exists()
    with pytest.raises(CommandError, match="No customer"):
        call_command("erase_guest", "--customer", "cus_0000000000000000", "--no-input", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("erase_guest", stdout=StringIO())  # says who
