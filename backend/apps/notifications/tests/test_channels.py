"""Guests hear about their order on the channels they chose: e-mail, text message, both or none."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.customers.models import Customer
from apps.notifications.models import Notification
from apps.ordering.models import Order
from apps.ordering.orders import set_status
from tests.conftest import new_cart, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_for(api, demo, django_capture_on_commit_callbacks):
    """Place an order for a customer (or a guest without one) and confirm it; on-commit work runs."""

    def make(customer: Customer | None) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            body = place(
                api,
                new_cart(api, (demo["diavola-pizza"], 1, []))["id"],
                key=f"k{Order.objects.count()}",
                customer=customer.public_id if customer else None,
            ).json()
            set_status(body["id"], "confirmed", actor="staff", enforce_window=False)
        return Order.objects.get(pk=body["id"])

    return make


def sent(order: Order) -> list[tuple[str, str, str, str]]:
    return list(order.notifications.order_by("id").values_list("event", "channel", "recipient", "status"))


def test_email_by_default(order_for, sms):
    order = order_for(Customer.objects.create(email="ada@example.com", phone="+31611111111"))
    assert sent(order) == [
        ("order.placed", "email", "ada@example.com", "sent"),
        ("order.confirmed", "email", "ada@example.com", "sent"),
    ]
    assert [(m.to, m.subject) for m in mail.outbox] == [
        (["ada@example.com"], f"Order {order.number}: placed"),
        (["ada@example.com"], f"Order {order.number}: confirmed"),
    ]
    assert sms == []


def test_text_messages_only_when_chosen(order_for, sms):
    order = order_for(
        Customer.objects.create(
            email="bo@example.com", phone="+31622222222", notify_email=False, notify_sms=True
        )
    )
    assert sms == [
        ("+31622222222", f"We received your order {order.number}. Thank you!"),
        ("+31622222222", f"Your order {order.number} is confirmed."),
    ]
    assert mail.outbox == []
    assert {n.channel for n in order.notifications.all()} == {"sms"}


def test_both_channels(order_for, sms):
    order = order_for(Customer.objects.create(email="cy@example.com", phone="+31633333333", notify_sms=True))
    assert len(mail.outbox) == 2 and len(sms) == 2
    assert sorted(c for _, c, _, _ in sent(order)) == ["email", "email", "sms", "sms"]


def test_nothing_without_a_way_to_reach_the_guest(order_for, sms):
    assert sent(order_for(None)) == []  # a guest with no customer record
    no_phone = order_for(Customer.objects.create(email="", notify_sms=True))
    opted_out = order_for(Customer.objects.create(email="di@example.com", notify_email=False))
    assert sent(no_phone) == [] and sent(opted_out) == []
    assert mail.outbox == [] and sms == []


def test_failed_delivery_is_recorded_and_the_order_still_moves(order_for, settings):
    settings.SMS_PROVIDER = "apps.notifications.tests.conftest.BrokenSmsProvider"
    order = order_for(Customer.objects.create(phone="+31644444444", notify_email=False, notify_sms=True))
    assert order.status == "confirmed"
    failed = Notification.objects.filter(order=order, channel="sms")
    assert failed.count() == 2 and all(n.status == "failed" and "SMS gateway down" in n.error for n in failed)
