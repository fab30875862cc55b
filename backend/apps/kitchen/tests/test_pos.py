"""Confirmed orders reach the POS exactly once: signed Square CreateOrder requests, outages retried
later by `manage.py retry_pos`, rejections turned into a rejected (restocked, refunded) order."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook

from apps.customers.models import Customer
from apps.kitchen.models import PosSubmission
from apps.kitchen.submissions import queue_for_order, retry_due, send_submission
from apps.menu.models import MenuItem
from apps.ordering.models import Order
from apps.ordering.orders import set_status
from apps.payments.models import Payment
from tests.conftest import new_cart, option_id, place

pytestmark = pytest.mark.django_db(transaction=True)


def order_of(api, *lines, **overrides) -> Order:
    response = place(api, new_cart(api, *lines)["id"], **overrides)
    assert response.status_code == 201, response.json()
    return Order.objects.get(pk=response.json()["id"])


def confirm(order: Order) -> None:
    set_status(order.pk, Order.Status.CONFIRMED, actor="staff", enforce_window=False)


def http_submission(order: Order) -> PosSubmission:
    return PosSubmission.objects.get(order=order, adapter="http")


def test_confirmed_order_is_sent_as_a_signed_square_create_order(api, demo, pos):
    pizza = demo["margherita-pizza"]
    guest = Customer.objects.create(name="Ada", phone="+31612345678", address="Dam 1", postcode="1011AB")
    order = order_of(
        api,
        (pizza, 2, [option_id(pizza, "large"), option_id(pizza, "extra cheese")]),
        (demo["bruschetta"], 1, []),
        fulfilment="delivery",
        postcode="1011",
        customer=guest.public_id,
    )
    MenuItem.objects.filter(pk=pizza.pk).update(price="99.00")  # later menu edits don't change the ticket
    confirm(order)

    assert len(pos.requests) == 1
    request = pos.requests[0]
    Webhook(django_settings.POS_SECRET).verify(request["body"], request["headers"])  # raises if forged
    body = request["json"]
    assert body["idempotency_key"] == request["headers"]["idempotency-key"]
    ticket = body["order"]
    assert ticket["location_id"] == "LOC-TEST" and ticket["reference_id"] == order.number
    assert ticket["line_items"][0] == {
        "name": "Margherita Pizza",
        "quantity": "2",
        "base_price_money": {"amount": 1150, "currency": "EUR"},
        "modifiers": [
            {"name": "large", "base_price_money": {"amount": 300, "currency": "EUR"}},
            {"name": "extra cheese", "base_price_money": {"amount": 150, "currency": "EUR"}},
        ],
        "note": "size: large; extra: extra cheese",
    }
    assert ticket["line_items"][1]["base_price_money"] == {"amount": 600, "currency": "EUR"}
    assert ticket["fulfillments"] == [
        {
            "type": "DELIVERY",
            "state": "PROPOSED",
            "delivery_details": {
                "recipient": {
                    "display_name": "Ada",
                    "phone_number": "+31612345678",
                    "address": {"postal_code": "1011", "address_line_1": "Dam 1"},
                },
                "schedule_type": "ASAP",
            },
        }
    ]
    assert ticket["service_charges"][0]["amount_money"] == {"amount": 250, "currency": "EUR"}
    lines = sum(
        int(li["quantity"])
        * (li["base_price_money"]["amount"] + sum(m["base_price_money"]["amount"] for m in li["modifiers"]))
        for li in ticket["line_items"]
    )
    assert lines + 250 == int(ticket["metadata"]["total"]) == 4050  # 2 x 16.00 + 6.00 + 2.50 delivery

    submission = http_submission(order)
    assert (submission.status, submission.external_id, submission.attempts) == ("accepted", "sq_1", 1)
    assert PosSubmission.objects.get(order=order, adapter="kitchen_display").status == "accepted"


def test_outage_stays_pending_and_retry_pos_later_delivers_exactly_one_ticket(api, demo, pos, settings):
    pos.statuses = [503, 429, 500]  # the whole first cycle (POS_MAX_ATTEMPTS=3) fails
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)

    submission = http_submission(order)
    assert submission.status == "pending" and submission.attempts == 3
    assert "HTTP 500" in submission.last_error and submission.next_attempt_at > timezone.now()
    order.refresh_from_db()
    assert order.status == "confirmed"  # the guest's order is not refused because the POS is down

    call_command("retry_pos")  # not due yet: nothing sent
    assert len(pos.requests) == 3
    PosSubmission.objects.filter(pk=submission.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    call_command("retry_pos")
    call_command("retry_pos")  # accepted now: nothing more is sent

    submission.refresh_from_db()
    assert (submission.status, submission.external_id, submission.last_error) == ("accepted", "sq_1", "")
    assert len(pos.requests) == 4 and len(pos.tickets) == 1
    assert len({r["headers"]["idempotency-key"] for r in pos.requests}) == 1


def test_unreachable_pos_is_recorded_and_not_lost(api, demo, settings):
    settings.POS_ADAPTERS = ["http"]
    settings.POS_URL = "http://127.0.0.1:9/v2/orders"
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    submission = http_submission(order)
    assert submission.status == "pending" and "ConnectError" in submission.last_error
    assert retry_due(timezone.now() + timedelta(hours=1)) and http_submission(order).attempts == 6


def test_slow_pos_times_out_and_stays_pending(api, demo, pos, settings):
    settings.POS_TIMEOUT_SECONDS = 0.1
    pos.delay = 0.4
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    submission = http_submission(order)
    assert submission.status == "pending" and "Timeout" in submission.last_error and submission.attempts == 3


def test_pos_rejection_rejects_restocks_refunds_and_tells_the_guest(api, demo, pos):
    pos.statuses = [422]
    guest = Customer.objects.create(email="ada@example.com")
    order = order_of(api, (demo["bruschetta"], 2, []), customer=guest.public_id)
    Payment.objects.filter(order=order).update(status=Payment.Status.SUCCEEDED)
    assert MenuItem.objects.get(slug="bruschetta").stock == 0
    confirm(order)

    order.refresh_from_db()
    assert order.status == "rejected"
    assert order.status_changes.last().actor == "pos"
    assert MenuItem.objects.get(slug="bruschetta").stock == 2
    assert Payment.objects.get(order=order).status == "refunded"
    submission = http_submission(order)
    assert submission.status == "rejected" and submission.last_error == pos.reason
    assert mail.outbox[-1].body == (
        f"Sorry, the kitchen couldn't accept your order {order.number}. "
        "Your payment has been refunded; please call us or order again."
    )
    assert len(pos.requests) == 1  # a refusal is an answer, not an outage: no retries


def test_repeated_triggers_send_nothing_more(api, demo, pos):
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    queue_for_order(order)  # e.g. a replayed hook
    send_submission(http_submission(order).pk)
    retry_due(timezone.now() + timedelta(hours=1))
    assert len(pos.requests) == 1 and PosSubmission.objects.filter(order=order).count() == 2


def test_concurrent_senders_send_one_request(api, demo, pos, settings):
    settings.POS_ADAPTERS = ["http"]
    pos.statuses = [503] * 3
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    pending = http_submission(order)
    PosSubmission.objects.filter(pk=pending.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    pos.delay = 0.3
    barrier = threading.Barrier(4)

    def retry() -> None:
        barrier.wait()
        try:
            send_submission(pending.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=retry) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(pos.requests) == 4 and len(pos.tickets) == 1  # 3 failed first tries + exactly one resend
    assert http_submission(order).status == "accepted"


def test_order_cancelled_while_pos_was_down_is_never_sent(api, demo, pos):
    pos.statuses = [503] * 3
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    set_status(order.pk, Order.Status.CANCELLED, actor="staff", enforce_window=False)
    retry_due(timezone.now() + timedelta(hours=1))
    assert len(pos.requests) == 3 and http_submission(order).status == "cancelled"


def test_only_the_kitchen_display_by_default(api, demo):
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    assert list(PosSubmission.objects.values_list("adapter", "status", "external_id")) == [
        ("kitchen_display", "accepted", order.number)
    ]


def puts(pos) -> list[dict]:
    return [r for r in pos.requests if r["method"] == "PUT"]


@pytest.mark.parametrize("closed", [Order.Status.CANCELLED, Order.Status.REJECTED])
def test_an_order_closed_after_the_pos_took_it_is_withdrawn_from_the_pos_once(api, demo, pos, closed):
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    set_status(order.pk, closed, actor="staff", enforce_window=False)

    [cancel] = puts(pos)
    Webhook(django_settings.POS_SECRET).verify(cancel["body"], cancel["headers"])  # signed like the order
    assert cancel["path"] == "/v2/orders/sq_1"
    assert cancel["json"]["order"] == {"location_id": "LOC-TEST", "state": "CANCELED", "version": 1}
    assert cancel["headers"]["idempotency-key"] != pos.requests[0]["headers"]["idempotency-key"]
    assert pos.states["sq_1"] == "CANCELED"  # the kitchen won't cook it
    assert (http_submission(order).status, http_submission(order).withdrawal) == ("accepted", "done")
    retry_due(timezone.now() + timedelta(hours=1))
    assert len(puts(pos)) == 1  # told once


def test_a_withdrawal_during_an_outage_is_kept_and_sent_by_retry_pos(api, demo, pos, settings):
    settings.POS_BACKOFF_SECONDS = 0.01
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    pos.statuses = [503, 429, 503]
    set_status(order.pk, Order.Status.CANCELLED, actor="guest", enforce_window=False)
    submission = http_submission(order)
    assert (submission.withdrawal, pos.states["sq_1"]) == (
        "pending",
        "OPEN",
    ) and "503" in submission.last_error

    call_command("retry_pos")  # not due yet: nothing is sent
    assert len(puts(pos)) == 3
    retry_due(timezone.now() + timedelta(seconds=settings.POS_RETRY_AFTER_SECONDS + 1))
    assert (http_submission(order).withdrawal, pos.states["sq_1"]) == ("done", "CANCELED")
    assert len(puts(pos)) == 4


def test_a_pos_that_refuses_the_withdrawal_is_recorded_for_staff(api, demo, pos):
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    confirm(order)
    pos.versions["sq_1"] = 2  # the POS changed the ticket meanwhile (say, the kitchen completed it)
    set_status(order.pk, Order.Status.CANCELLED, actor="staff", enforce_window=False)
    submission = http_submission(order)
    assert submission.withdrawal == "refused" and "version mismatch" in submission.last_error
    assert (
        len(puts(pos)) == 1 and Order.objects.get(pk=order.pk).status == "cancelled"
    )  # refusal isn't retried


def test_an_order_cancelled_while_the_pos_was_taking_it_is_withdrawn_as_soon_as_it_is_taken(api, demo, pos):
    order = order_of(api, (demo["diavola-pizza"], 1, []))
    http = PosSubmission.objects.create(order=order, adapter="http")  # recorded, not yet sent
    original = pos.delay
    pos.delay = 0.3
    sender = threading.Thread(target=send_submission, args=(http.pk,))
    sender.start()
    time.sleep(0.1)  # the ticket request is on its way
    Order.objects.filter(pk=order.pk).update(status=Order.Status.CANCELLED)
    sender.join()
    pos.delay = original
    assert (http_submission(order).status, http_submission(order).withdrawal) == ("accepted", "done")
    assert pos.states["sq_1"] == "CANCELED"
