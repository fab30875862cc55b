"""Requested times are understood (Duckling) and checked against today's and tomorrow's opening hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from actions.checkout_actions import ActionAskRequestedTime, ActionPlaceOrder, ValidateCheckoutForm
from actions.core.pickup_time import MIN_LEAD_MINUTES, choose_time, recheck, time_label

ZONE = ZoneInfo("Europe/Amsterdam")
# The demo restaurant as the backend's GET /api/restaurant/ gives it (backend/demo/restaurant.yaml).
DEMO_HOURS = {
    "monday": ("11:30", "22:00"),
    "tuesday": ("11:30", "22:00"),
    "wednesday": ("11:30", "22:00"),
    "thursday": ("11:30", "22:00"),
    "friday": ("11:30", "23:00"),
    "saturday": ("11:30", "23:00"),
    "sunday": ("12:00", "21:00"),
}
RESTAURANT = {
    "timezone": "Europe/Amsterdam",
    "opening_hours": [
        {"day": day, "opens": opens, "closes": closes} for day, (opens, closes) in DEMO_HOURS.items()
    ],
}
ALWAYS_OPEN = {
    "timezone": "Europe/Amsterdam",
    "opening_hours": [{"day": day, "opens": "00:00", "closes": "00:00"} for day in DEMO_HOURS],
}
WEDNESDAY_3PM = datetime(2026, 11, 25, 15, 0, tzinfo=ZONE)
SUNDAY_0250 = datetime(2026, 12, 6, 2, 50, tzinfo=ZONE)  # open 12:00-21:00 that day


def at(choice_value: str | None) -> datetime:
    assert choice_value not in (None, "asap"), choice_value
    return datetime.fromisoformat(choice_value)


# ---------------------------------------------------------------------------------- what the guest says


@pytest.mark.parametrize(
    "said",
    ["asap", "ASAP", "asap please", "as soon as possible", "right now please", "now", "whenever it's ready"],
)
def test_as_soon_as_possible_while_open(said):
    choice = choose_time(said, RESTAURANT, WEDNESDAY_3PM)
    assert (choice.value, choice.label, choice.problem) == ("asap", "as soon as possible", "")


@pytest.mark.parametrize(
    "said, hour, minute",
    [
        ("at half past seven", 19, 30),
        ("quarter to eight tonight", 19, 45),
        ("7:30 pm", 19, 30),
        ("7pm", 19, 0),
        ("around 8", 20, 0),
        ("19:30", 19, 30),
        ("at 8", 20, 0),
        ("in 45 minutes", 15, 45),
        ("in 30 minutes", 15, 30),
    ],
)
def test_clock_and_relative_times_today(said, hour, minute):
    choice = choose_time(said, RESTAURANT, WEDNESDAY_3PM)
    assert choice.problem == ""
    moment = at(choice.value)
    assert (moment.hour, moment.minute, moment.date()) == (hour, minute, WEDNESDAY_3PM.date())
    assert choice.label == f"today at {hour:02d}:{minute:02d}"


def test_half_past_seven_is_the_evening_when_the_morning_is_closed():
    """At 02:50 Duckling's first reading is 07:30 today; the kitchen opens at 12:00, so 19:30."""
    choice = choose_time("at half past seven", RESTAURANT, SUNDAY_0250)
    assert at(choice.value) == datetime(2026, 12, 6, 19, 30, tzinfo=ZONE)
    assert choice.label == "today at 19:30"


def test_an_ambiguous_hour_prefers_the_evening_when_both_are_open():
    choice = choose_time("half past seven", ALWAYS_OPEN, SUNDAY_0250)
    assert at(choice.value).hour == 19


def test_a_morning_time_said_as_such_is_refused_with_the_opening_offered():
    choice = choose_time("7:30 am", RESTAURANT, SUNDAY_0250)
    assert choice.value is None
    assert choice.problem == (
        "We're not open at 07:30 today (today: 12:00–21:00). Shall I schedule it for today at 12:00?"
    )
    assert at(choice.offer) == datetime(2026, 12, 6, 12, 0, tzinfo=ZONE)


# ---------------------------------------------------------------------------------- closed, past, too soon


def test_asap_at_night_offers_the_opening_time_instead_of_accepting():
    choice = choose_time("asap please", RESTAURANT, SUNDAY_0250)
    assert choice.value is None
    assert (
        choice.problem
        == "We're closed right now; we open today at 12:00. Shall I schedule it for today at 12:00?"
    )
    assert at(choice.offer) == datetime(2026, 12, 6, 12, 0, tzinfo=ZONE)
    assert choice.offer_label == "today at 12:00"


def test_the_offered_time_is_accepted_when_sent_back():
    offer = choose_time("as soon as possible", RESTAURANT, SUNDAY_0250).offer
    choice = choose_time(offer, RESTAURANT, SUNDAY_0250 + timedelta(minutes=3))
    assert choice.value == offer and choice.label == "today at 12:00"


def test_asap_just_before_closing_offers_tomorrow():
    choice = choose_time("asap", RESTAURANT, datetime(2026, 11, 25, 21, 50, tzinfo=ZONE))
    assert choice.value is None
    assert choice.problem.startswith("Sorry, the kitchen closes at 22:00")
    assert choice.problem.endswith("Shall I schedule it for tomorrow at 11:30?")
    assert at(choice.offer) == datetime(2026, 11, 26, 11, 30, tzinfo=ZONE)


def test_a_time_after_closing_is_refused_with_the_hours_and_tomorrow_offered():
    choice = choose_time("23:30", RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None
    assert "We're not open at 23:30 today (today: 11:30–22:00)." in choice.problem
    assert choice.problem.endswith("Shall I schedule it for tomorrow at 11:30?")
    assert choice.offer_label == "tomorrow at 11:30"


def test_a_time_already_past_today_offers_the_same_time_tomorrow():
    choice = choose_time("7:30 pm", RESTAURANT, datetime(2026, 11, 25, 20, 0, tzinfo=ZONE))
    assert choice.value is None
    assert choice.problem == "19:30 has already passed today. Shall I schedule it for tomorrow at 19:30?"
    assert at(choice.offer) == datetime(2026, 11, 26, 19, 30, tzinfo=ZONE)


def test_too_soon_is_refused():
    choice = choose_time("in 5 minutes", RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None and "too soon" in choice.problem and str(MIN_LEAD_MINUTES) in choice.problem


def test_tomorrow_at_noon_is_labelled_tomorrow():
    choice = choose_time("tomorrow at noon", RESTAURANT, WEDNESDAY_3PM)
    assert at(choice.value) == datetime(2026, 11, 26, 12, 0, tzinfo=ZONE)
    assert choice.label == "tomorrow at 12:00"
    assert time_label(choice.value, WEDNESDAY_3PM) == "tomorrow at 12:00"
    assert time_label(choice.value, WEDNESDAY_3PM + timedelta(days=1)) == "today at 12:00"


@pytest.mark.parametrize("said", ["banana", "25:00", "", "🍕", "yes please", "x" * 5000])
def test_nonsense_is_not_a_time(said):
    choice = choose_time(said, RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None and not choice.understood
    assert choice.problem.startswith("Sorry, I didn't get that time.") and "19:30" in choice.problem


def test_a_day_without_a_time_asks_for_the_time():
    choice = choose_time("tomorrow", RESTAURANT, WEDNESDAY_3PM)
    assert choice.value is None and "At what time?" in choice.problem


# ---------------------------------------------------------------------------------- re-checked when placing


def test_recheck_at_placement():
    tonight = datetime(2026, 11, 25, 19, 30, tzinfo=ZONE).isoformat()
    assert recheck(tonight, RESTAURANT, WEDNESDAY_3PM) == ""
    assert "has passed" in recheck(tonight, RESTAURANT, datetime(2026, 11, 25, 19, 40, tzinfo=ZONE))
    assert recheck("asap", RESTAURANT, WEDNESDAY_3PM) == ""
    assert "closed" in recheck("asap", RESTAURANT, SUNDAY_0250)


# ---------------------------------------------------------------------------------- through the actions


class FakeBackend:
    """Just what the checkout actions call; placing an order is recorded, never expected here."""

    def __init__(self, restaurant: dict[str, Any]) -> None:
        self._restaurant = restaurant
        self.placed: list[dict[str, Any]] = []

    async def restaurant(self) -> dict[str, Any]:
        return self._restaurant

    async def cart(self, cart_id: int) -> SimpleNamespace:
        return SimpleNamespace(id=cart_id, version=3)

    async def place_order(self, **kwargs: Any) -> None:
        self.placed.append(kwargs)
        raise AssertionError("an order was placed")


@pytest.fixture
def backend():
    def use(restaurant: dict[str, Any]) -> FakeBackend:
        fake = FakeBackend(restaurant)
        wiring.use_backend(fake)  # type: ignore[arg-type]
        return fake

    yield use
    wiring.use_backend(None)


def tracker(text: str, intent: str, slots: dict[str, Any], entities: list | None = None) -> Tracker:
    return Tracker(
        "t",
        {"cart_id": 7, **slots},
        {"text": text, "intent": {"name": intent, "confidence": 1.0}, "entities": entities or []},
        [],
        False,
        None,
        {"name": "checkout_form"},
        "action_listen",
    )


async def test_yes_accepts_the_offered_time_and_no_asks_again(backend):
    backend(ALWAYS_OPEN)
    offered = (datetime.now(ZONE) + timedelta(hours=3)).replace(second=0, microsecond=0).isoformat()
    form, dispatcher = ValidateCheckoutForm(), CollectingDispatcher()
    slots = await form.validate_requested_time(
        "yes", dispatcher, tracker("yes", "affirm", {"proposed_time": offered}), {}
    )
    assert slots == {"requested_time": offered, "proposed_time": None} and dispatcher.messages == []

    slots = await form.validate_requested_time(
        "no", dispatcher, tracker("no", "deny", {"proposed_time": offered}), {}
    )
    assert slots == {"requested_time": None, "proposed_time": None}
    assert dispatcher.messages[0]["text"] == "No problem."


async def test_an_offer_comes_with_buttons_and_replaces_the_usual_question(backend):
    backend({"timezone": "Europe/Amsterdam", "opening_hours": []})  # closed all week: nothing to offer
    dispatcher = CollectingDispatcher()
    await ValidateCheckoutForm().validate_requested_time(
        "asap", dispatcher, tracker("asap", "inform", {}), {}
    )
    assert dispatcher.messages[0]["text"].startswith("We're closed right now.")
    assert dispatcher.messages[0]["buttons"] == []

    backend(ALWAYS_OPEN)
    dispatcher = CollectingDispatcher()
    slots = await ValidateCheckoutForm().validate_requested_time(
        "in 5 minutes", dispatcher, tracker("in 5 minutes", "inform", {}), {}
    )
    assert slots["requested_time"] is None and "too soon" in dispatcher.messages[0]["text"]

    asked = CollectingDispatcher()
    await ActionAskRequestedTime().run(
        asked, tracker("x", "inform", {"proposed_time": "2026-12-06T12:00:00+01:00"}), {}
    )
    assert asked.messages == []
    await ActionAskRequestedTime().run(asked, tracker("x", "inform", {}), {})
    assert asked.messages[0]["response"] == "utter_ask_requested_time"


async def test_the_whole_answer_is_read_not_just_the_entity(backend):
    """NLU may tag only "7:30" in "7:30 pm"; the validator reads what the guest wrote."""
    backend(ALWAYS_OPEN)
    slots = await ValidateCheckoutForm().validate_requested_time(
        "7:30", CollectingDispatcher(), tracker("tomorrow at 7:30 pm", "inform", {}), {}
    )
    assert datetime.fromisoformat(slots["requested_time"]).hour == 19
    assert time_label(slots["requested_time"]) == "tomorrow at 19:30"


async def test_a_time_that_has_passed_is_asked_again_not_placed(backend):
    fake = backend(ALWAYS_OPEN)
    dispatcher = CollectingDispatcher()
    events = await ActionPlaceOrder().run(
        dispatcher,
        tracker(
            "yes",
            "affirm",
            {
                "checkout_stage": "confirming",
                "confirmed_cart_version": 3,
                "requested_time": "2020-01-01T12:00:00+01:00",
            },
        ),
        {},
    )
    assert fake.placed == []
    assert (
        "has passed" in dispatcher.messages[0]["text"] and "haven't placed" in dispatcher.messages[0]["text"]
    )
    assert {"event": "slot", "timestamp": None, "name": "requested_time", "value": None} in events
    assert {"event": "followup", "timestamp": None, "name": "checkout_form"} in events


CHECKOUT_DOMAIN = {
    "forms": {
        "checkout_form": {"required_slots": ["fulfilment", "postcode", "requested_time", "payment_method"]}
    }
}


def time_question_tracker(text: str, intent: str, entities: list[dict[str, Any]]) -> Tracker:
    """The form's view after requested_time's from_text mapping took the message."""
    events = [{"event": "user", "text": text}, {"event": "slot", "name": "requested_time", "value": text}]
    return Tracker(
        "t",
        {"cart_id": 7, "requested_slot": "requested_time", "requested_time": text},
        {"text": text, "intent": {"name": intent, "confidence": 0.4}, "entities": entities},
        events,
        False,
        None,
        {"name": "checkout_form"},
        "action_listen",
    )


async def test_a_question_nlu_was_unsure_of_is_handed_to_the_rules_not_taken_as_a_time(backend):
    """ "how late are you open tonight?" holds "tonight"; with a topic and no time entity it is a question."""
    backend(ALWAYS_OPEN)
    dispatcher = CollectingDispatcher()
    events = await ValidateCheckoutForm().run(
        dispatcher,
        time_question_tracker(
            "how late are you open tonight?", "nlu_fallback", [{"entity": "faq_topic", "value": "hours"}]
        ),
        CHECKOUT_DOMAIN,
    )
    assert events == [
        {"event": "slot", "timestamp": None, "name": "requested_time", "value": None},
        {
            "event": "action_execution_rejected",
            "timestamp": None,
            "name": "checkout_form",
            "policy": None,
            "confidence": None,
        },
    ]
    assert dispatcher.messages == []

    events = await ValidateCheckoutForm().run(
        dispatcher, time_question_tracker("right now please", "nlu_fallback", []), CHECKOUT_DOMAIN
    )
    assert {event["name"]: event["value"] for event in events} == {
        "requested_time": "asap",
        "proposed_time": None,
    }


@pytest.mark.parametrize(
    "question, rejected",
    [("sorry, how late do you stay open?", True), ("can you do half past seven?", False), ("banana", False)],
)
async def test_a_question_without_a_time_is_handed_to_the_rules(backend, question, rejected):
    backend(ALWAYS_OPEN)
    events = await ValidateCheckoutForm().run(
        CollectingDispatcher(), time_question_tracker(question, "nlu_fallback", []), CHECKOUT_DOMAIN
    )
    assert any(event["event"] == "action_execution_rejected" for event in events) is rejected
