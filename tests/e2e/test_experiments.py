"""A/B experiments through the running stack: the arm is recorded in the tracker and changes what
the guest gets (experiments.yml: recommendation_count, arms "three" and "two")."""

from __future__ import annotations

import pytest

from tests.e2e.test_ordering import Guest
from tests.stack import Stack

pytestmark = pytest.mark.e2e


def suggestions_in(reply: str) -> int:
    return sum(1 for line in reply.splitlines() if line[:3] in {"1. ", "2. ", "3. ", "4. ", "5. "})


def test_the_recommendation_count_arm_is_recorded_and_applied(stack: Stack):
    seen: dict[str, int] = {}
    for _ in range(12):  # conversations are split about evenly; a few give both arms
        guest = Guest(stack)
        reply = guest.say("I'm stressed, what should I eat?")
        arm = (guest.slot("experiment_arms") or {}).get("recommendation_count")
        assert arm in {"three", "two"}
        seen[arm] = suggestions_in(reply)
        again = guest.say("something cozy please")
        assert guest.slot("experiment_arms")["recommendation_count"] == arm  # sticky
        assert suggestions_in(again) == seen[arm]
        if len(seen) == 2:
            break
    assert seen == {"three": 3, "two": 2}


GREETINGS = {"standard": "I can show you the menu", "short": "Hungry? Tell me what you fancy"}


def test_the_greeting_arm_picks_the_greeting_and_is_recorded(stack: Stack):
    seen: dict[str, str] = {}
    for _ in range(16):
        guest = Guest(stack)
        reply = guest.say("hi")
        arm = (guest.slot("experiment_arms") or {}).get("greeting")
        assert arm in GREETINGS, guest.slot("experiment_arms")
        assert GREETINGS[arm] in reply and "welcome" in reply.lower()
        other = next(name for name in GREETINGS if name != arm)
        assert GREETINGS[other] not in reply
        seen[arm] = reply
        if len(seen) == 2:
            break
    assert set(seen) == set(GREETINGS)
