"""At checkout's "When would you like it?", everyday answers are understood and checked against the hours.

The restaurant's clock is controlled, not the test's: its time zone is set to an `Etc/GMT±N` zone in
which it is now a chosen hour of the day, and it opens 11:30-22:00 every day. The action server keeps
the restaurant's facts for its lifetime, so it is restarted to read them; all is restored afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_ordering import Guest, order_with_size
from tests.stack import Stack

pytestmark = pytest.mark.e2e

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
OPEN_EVERY_DAY = {day: [["11:30", "22:00"]] for day in DAYS}
RESTAURANT = "from apps.restaurant.models import Restaurant, get_restaurant; restaurant = get_restaurant(); "
ASK_TO_PAY = "How would you like to pay?"


def zone_where_it_is(hour: int) -> str:
    """An Etc/GMT zone in which the local time is now hour:MM (POSIX signs: Etc/GMT-5 is UTC+5)."""
    offset = (hour - datetime.now(timezone.utc).hour + 12) % 24 - 12
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


class RestaurantClock:
    """Sets the restaurant's time zone and hours in the backend's database, as staff would in the admin."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.zone = ""
        self.hour: int | None = None
        self.hours: dict = {}
        self.saved = json.loads(
            stack.orm(
                RESTAURANT + "import json; print(json.dumps({'timezone': restaurant.timezone, "
                "'opening_hours': restaurant.opening_hours}))"
            )
        )

    def local_hour(self, hour: int, hours: dict = OPEN_EVERY_DAY) -> RestaurantClock:
        if (self.hour, self.hours) != (hour, hours):
            self.zone, self.hour, self.hours = zone_where_it_is(hour), hour, hours
            self._write(self.zone, hours)
        return self

    def restore(self) -> None:
        if self.hour is not None:
            self._write(self.saved["timezone"], self.saved["opening_hours"])

    def _write(self, zone: str, hours: dict) -> None:
        self.stack.orm(
            RESTAURANT + f"Restaurant.objects.filter(pk=restaurant.pk).update(timezone={zone!r}, "
            f"opening_hours={hours!r})"
        )
        self.stack.stop("actions")  # the action server reads the restaurant once
        self.stack.start_actions()


@pytest.fixture(scope="module")
def clock(stack: Stack) -> Iterator[RestaurantClock]:
    restaurant_clock = RestaurantClock(stack)
    try:
        yield restaurant_clock
    finally:
        restaurant_clock.restore()


@pytest.fixture
def lunchtime(clock: RestaurantClock) -> RestaurantClock:
    """About 12:00 at the restaurant: open now, and this evening."""
    return clock.local_hour(12)


@pytest.fixture
def night(clock: RestaurantClock) -> RestaurantClock:
    """About 03:00 at the restaurant: closed until 11:30."""
    return clock.local_hour(3)


def at_the_time_question(stack: Stack) -> Guest:
    guest = Guest(stack)
    order_with_size(guest, "one tomato soup please", "regular")
    assert guest.say("checkout") == "Will that be pickup or delivery?"
    assert guest.say("pickup").startswith("When would you like it?")
    return guest


@pytest.mark.parametrize(
    "said, label",
    [
        ("as soon as possible", "as soon as possible"),
        ("right now please", "as soon as possible"),
        ("at half past seven", "today at 19:30"),
        ("quarter to eight tonight", "today at 19:45"),
        ("7:30 pm", "today at 19:30"),
    ],
)
def test_a_time_answer_is_accepted_and_shown_in_the_summary(
    stack: Stack, lunchtime: RestaurantClock, said: str, label: str
):
    guest = at_the_time_question(stack)
    reply = guest.say(said, confirm=False)
    assert reply == ASK_TO_PAY, f"{said!r} got {reply!r}"
    summary = guest.say("I'll pay at the counter")
    assert f"Pickup, {label}, paying at the counter." in summary, summary


@pytest.mark.parametrize(
    "question",
    [
        "what are your opening hours?",
        "hold on, until what time are you open tonight?",
        "is the tiramisu made with eggs?",
    ],
)
def test_a_question_at_the_time_question_is_not_taken_as_the_time(
    stack: Stack, lunchtime: RestaurantClock, question: str
):
    """Questions go to the digression rules (answered, or "didn't get that"), and the time is asked again."""
    guest = at_the_time_question(stack)
    reply = guest.say(question, confirm=False)
    assert ASK_TO_PAY not in reply and reply.rstrip().splitlines()[-1].startswith(
        "When would you like it?"
    ), reply
    assert guest.slot("requested_time") is None
    if "opening hours" in question:
        assert "Monday 11:30–22:00" in reply
    assert guest.say("7:30 pm", confirm=False) == ASK_TO_PAY


def test_at_night_asap_offers_the_opening_time_and_yes_schedules_and_places_it(
    stack: Stack, night: RestaurantClock
):
    guest = at_the_time_question(stack)
    messages = stack.say(guest.sender, "asap please")
    assert [m.get("text") for m in messages] == [
        "We're closed right now; we open today at 11:30. Shall I schedule it for today at 11:30?"
    ]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Yes, today at 11:30", "Another time"]

    assert guest.say("yes") == ASK_TO_PAY
    summary = guest.say("I'll pay at the counter")
    assert "Pickup, today at 11:30, paying at the counter." in summary, summary
    assert "is placed" in guest.say("yes")
    order = guest.order()
    assert local_clock(order["requested_time"], night) == "11:30"


def test_at_night_the_offer_buttons_schedule_it_or_ask_again(stack: Stack, night: RestaurantClock):
    guest = at_the_time_question(stack)
    offer = stack.say(guest.sender, "right now please")[0]
    another = next(button for button in offer["buttons"] if button["title"] == "Another time")
    assert guest.say(another["payload"], confirm=False).splitlines() == [
        "No problem.",
        'When would you like it? Say "asap" or a time like "19:30".',
    ]
    assert guest.slot("requested_time") is None

    offer = stack.say(guest.sender, "as soon as possible")[0]
    accept = next(button for button in offer["buttons"] if button["title"].startswith("Yes"))
    assert guest.say(accept["payload"], confirm=False) == ASK_TO_PAY
    assert local_clock(guest.slot("requested_time"), night) == "11:30"


def local_clock(iso: str, clock: RestaurantClock) -> str:
    return f"{datetime.fromisoformat(iso).astimezone(ZoneInfo(clock.zone)):%H:%M}"


def test_a_time_that_cannot_be_had_any_more_is_asked_again_at_the_yes_not_placed(
    stack: Stack, lunchtime: RestaurantClock
):
    guest = at_the_time_question(stack)
    assert guest.say("7:30 pm", confirm=False) == ASK_TO_PAY
    assert "Pickup, today at 19:30" in guest.say("I'll pay at the counter")
    lunchtime.local_hour(12, {day: [["11:30", "18:00"]] for day in DAYS})  # staff shorten today's hours

    reply = guest.say("yes", confirm=False)
    assert reply.splitlines() == [
        "We're not open today at 19:30. I haven't placed the order.",
        'When would you like it? Say "asap" or a time like "19:30".',
    ]
    assert guest.slot("last_order_number") is None
    summary = guest.say("5pm", confirm=False)
    assert "Pickup, today at 17:00, paying at the counter." in summary and "Shall I place" in summary, summary
    assert "is placed" in guest.say("yes")
    order = guest.order()
    assert local_clock(order["requested_time"], lunchtime) == "17:00"
