"""Requested times are understood and checked against the opening hours."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from actions.pickup_time import choose_time

ZONE = ZoneInfo("Europe/Amsterdam")
RESTAURANT = {
    "timezone": "Europe/Amsterdam",
    "opening_hours": [{"day": day, "opens": "11:30", "closes": "22:00"}
                      for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")],
}
WEDNESDAY_3PM = datetime(2026, 11, 25, 15, 0, tzinfo=ZONE)


@pytest.mark.parametrize("said", ["asap", "ASAP", "now", "as soon as possible"])
def test_asap_words(said):
    assert choose_time(said, RESTAURANT, WEDNESDAY_3PM).value == "asap"


@pytest.mark.parametrize("said, hour, minute", [("7pm", 19, 0), ("19:30", 19, 30), ("7:30 pm", 19, 30),
                                                ("at 8", 20, 0), ("in 30 minutes", 15, 30)])
def test_clock_times_today(said, hour, minute):
    choice = choose_time(said, RESTAURANT, WEDNESDAY_3PM)
    assert choice.problem == ""
    moment = datetime.fromisoformat(choice.value)
    assert (moment.hour, moment.minute, moment.date()) == (hour, minute, WEDNESDAY_3PM.date())


def test_a_time_when_closed_is_refused_with_the_hours():
    choice = choose_time("23:30", RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None and "11:30–22:00" in choice.problem


def test_too_soon_is_refused():
    choice = choose_time("in 5 minutes", RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None and "too soon" in choice.problem


@pytest.mark.parametrize("said", ["banana", "25:00", "", "🍕"])
def test_nonsense_is_not_a_time(said):
    choice = choose_time(said, RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None and choice.problem
