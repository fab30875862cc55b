"""Status changes are pushed into the guest's chat through Rasa's trigger_intent endpoint."""

from __future__ import annotations

import logging

import pytest

from apps.ordering.models import Order
from apps.ordering.orders import set_status
from tests.conftest import new_cart, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(api, demo, django_capture_on_commit_callbacks) -> Order:
    with django_capture_on_commit_callbacks(execute=True):
        body = place(
            api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], conversation_id="conv 42/a"
        ).json()
    return Order.objects.get(pk=body["id"])


def move(order: Order, status: str, capture) -> None:
    with capture(execute=True):
        set_status(order.pk, status, actor="staff", enforce_window=False)


def test_status_changes_after_placing_are_pushed_to_the_chat(rasa, order, django_capture_on_commit_callbacks):
    assert rasa.requests == []  # "placed": the guest is in the chat already
    move(order, "confirmed", django_capture_on_commit_callbacks)
    move(order, "preparing", django_capture_on_commit_callbacks)
    assert [r["path"] for r in rasa.requests] == [
        "/conversations/conv%2042%2Fa/trigger_intent?output_channel=latest&token=rasa-test-token"
    ] * 2
    assert [r["json"] for r in rasa.requests] == [
        {"name": "EXTERNAL_order_status", "entities": {"order_number": order.number, "order_status": s}}
        for s in ("confirmed", "preparing")
    ]


def test_busy_rasa_is_retried(rasa, order, django_capture_on_commit_callbacks):
    rasa.statuses = [503]
    move(order, "confirmed", django_capture_on_commit_callbacks)
    assert len(rasa.requests) == 2


def test_rasa_down_does_not_stop_the_status_change(
    settings, order, caplog, django_capture_on_commit_callbacks
):
    settings.RASA_URL = "http://127.0.0.1:9"
    with caplog.at_level(logging.WARNING, logger="apps.notifications.chat_push"):
        move(order, "confirmed", django_capture_on_commit_callbacks)
    assert Order.objects.get(pk=order.pk).status == "confirmed"
    assert any(
        "could not push order" in r.getMessage() and order.number in r.getMessage() for r in caplog.records
    )


def test_no_push_without_rasa_url_or_conversation(
    rasa, settings, api, demo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        body = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], conversation_id="").json()
    order = Order.objects.get(pk=body["id"])
    Order.objects.filter(pk=order.pk).update(conversation_id="")
    move(order, "confirmed", django_capture_on_commit_callbacks)
    settings.RASA_URL = ""
    Order.objects.filter(pk=order.pk).update(conversation_id="conv-1")
    move(order, "preparing", django_capture_on_commit_callbacks)
    assert rasa.requests == []
