"""Nobody waits forever: outside opening hours the guest is told at once; an unclaimed request is
followed up in the guest's chat with the phone number, and staff are e-mailed and texted, once."""

from __future__ import annotations

import time

import pytest
from django.core import mail

from apps.restaurant.models import Restaurant
from apps.support.models import Handoff
from tests.test_api_basics import ALWAYS_OPEN
from tests.test_metrics import metrics_token, sample, scrape  # noqa: F401 - fixture

# the follow-ups run on timer threads, which need committed rows
pytestmark = pytest.mark.django_db(transaction=True)


def ask(api, conversation: str, reason: str = "my email is grace@example.org, call me") -> dict:
    response = api.post("/api/handoffs/", {"conversation_id": conversation, "reason": reason}, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def wait_until(check, seconds: float = 5.0):
    deadline = time.monotonic() + seconds
    while not (found := check()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def test_outside_opening_hours_nobody_is_promised(api, demo, client, metrics_token):
    Restaurant.objects.update(opening_hours={})  # closed every day
    before = {
        step: sample(scrape(client), "restaurant_backend_handoffs_total", step=step)
        for step in ("requested", "abandoned", "claimed")
    }
    body = ask(api, "conv-night")
    assert body["staff_available"] is False and body["status"] == "abandoned"
    assert body["phone"] == "+31 20 000 0000"
    after = scrape(client)
    assert sample(after, "restaurant_backend_handoffs_total", step="requested") == before["requested"] + 1
    assert sample(after, "restaurant_backend_handoffs_total", step="abandoned") == before["abandoned"] + 1
    assert sample(after, "restaurant_backend_handoffs_total", step="claimed") == before["claimed"]


def test_an_unclaimed_request_is_followed_up_once_with_the_phone_number(api, demo, rasa, sms, settings):
    Restaurant.objects.update(opening_hours=ALWAYS_OPEN)
    settings.HANDOFF_UNCLAIMED_SECONDS = 0.3
    settings.HANDOFF_NOTIFY_AFTER_SECONDS = 0.3
    settings.HANDOFF_NOTIFY_EMAILS = ["floor@example.org"]
    settings.HANDOFF_NOTIFY_PHONES = ["+31611111111"]
    waiting = ask(api, "conv-wait")
    claimed = ask(api, "conv-claimed")
    Handoff.objects.filter(pk=claimed["id"]).update(status=Handoff.Status.CLAIMED)  # a person took this one

    told = wait_until(lambda: [r for r in rasa.requests if "tracker/events" in r["path"]])
    assert len(told) == 1 and "/conversations/conv-wait/" in told[0]["path"]
    assert "execute_side_effects=true" in told[0]["path"] and "output_channel=latest" in told[0]["path"]
    [event] = told[0]["json"]
    assert (
        event["event"] == "bot"
        and "+31 20 000 0000" in event["text"]
        and "carry on here with me" in event["text"]
    )
    assert event["metadata"] == {"pushed": True}  # the assistant speaks, not a person; REST clients poll it

    assert wait_until(lambda: mail.outbox and sms)
    assert [m.to for m in mail.outbox] == [["floor@example.org"]]
    assert [to for to, _ in sms] == ["+31611111111"]
    for text in (mail.outbox[0].body, sms[0][1]):
        assert f"request #{waiting['id']}" in text and "[email]" in text and "grace@example.org" not in text
    time.sleep(0.5)
    assert (
        len([r for r in rasa.requests if "tracker/events" in r["path"]]) == 1 and len(sms) == 1
    )  # once only


def test_a_restarted_backend_still_follows_up_what_was_waiting(api, demo, rasa, sms, settings):
    """The timers of the process that took the requests are gone (a restart): what is overdue is done
    at once, what is not yet due waits for its time, what was already done is not done again."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.support.waiting import resume_follow_ups

    Restaurant.objects.update(opening_hours=ALWAYS_OPEN)
    settings.HANDOFF_UNCLAIMED_SECONDS = (
        0  # no timers for the requests below: as if their process had stopped
    )
    settings.HANDOFF_NOTIFY_AFTER_SECONDS = 0
    overdue, not_yet, already = ask(api, "conv-overdue"), ask(api, "conv-not-yet"), ask(api, "conv-already")
    Handoff.objects.filter(pk=overdue["id"]).update(created_at=timezone.now() - timedelta(minutes=10))
    Handoff.objects.filter(pk=already["id"]).update(
        created_at=timezone.now() - timedelta(minutes=10),
        guest_reminded_at=timezone.now(),
        staff_paged_at=timezone.now(),
    )
    settings.HANDOFF_UNCLAIMED_SECONDS = 300
    settings.HANDOFF_NOTIFY_AFTER_SECONDS = 180
    settings.HANDOFF_NOTIFY_PHONES = ["+31611111111"]

    timers = resume_follow_ups()
    try:
        assert wait_until(lambda: [r for r in rasa.requests if "tracker/events" in r["path"]] and sms)
        time.sleep(0.5)
        told = [r["path"] for r in rasa.requests if "tracker/events" in r["path"]]
        assert (
            len(told) == 1 and "/conversations/conv-overdue/" in told[0]
        )  # not the others: not due, or done
        assert len(sms) == 1 and f"request #{overdue['id']}" in sms[0][1]
        assert Handoff.objects.get(pk=not_yet["id"]).guest_reminded_at is None
        assert sorted(round(timer.interval) for timer in timers if timer.is_alive()) == [
            180,
            300,
        ]  # not_yet's, at their times
    finally:
        for timer in timers:
            timer.cancel()
