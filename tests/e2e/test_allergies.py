"""Allergies through the whole stack (Rasa → action server → backend, the LLM a local fake of Groq):
"nuts" keeps peanuts and tree nuts off the recommendations, and an allergy the menu's allergen data
cannot check is said honestly without breaking the conversation's later recommendations. What a dish
contains is read from the backend's /api/menu/items/."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from tests.e2e.test_llm import fresh_fake, menu  # noqa: F401 - fresh_fake: the fake LLM reset around each test
from tests.e2e.test_ordering import Guest
from tests.fakes import host_brain
from tests.fakes.groq_server import FakeGroq, Text
from tests.stack import Stack

pytestmark = pytest.mark.e2e

NUTS = {"peanuts", "nuts"}  # the backend's codes for peanuts and for tree nuts


def named_dishes(reply: str, dishes: dict[str, dict]) -> list[str]:
    return [name for name, item in dishes.items() if f"{name} (€{Decimal(item['price']):.2f})" in reply]


# "Hungry" picks mains, where the peanut dish (Pad Thai) is among the candidates unless it is filtered out.
@pytest.mark.parametrize(
    "message",
    [
        "I'm hungry, recommend something without nuts",
        "I'm hungry and have a nut allergy, what do you recommend?",
        "I'm hungry and allergic to nuts, what do you suggest?",
    ],
)
def test_no_nuts_keeps_peanuts_and_tree_nuts_off_the_recommendations(
    stack: Stack, fresh_fake: FakeGroq, message: str
):
    dishes = menu(stack)
    nutty = {name: item for name, item in dishes.items() if set(item["allergens"]) & NUTS}
    assert {"peanuts", "nuts"} <= {code for item in nutty.values() for code in item["allergens"]}, (
        "the demo menu should have both peanut and tree-nut dishes for this test"
    )
    # The model "forgets" the allergy and puts the nut dishes first.
    fresh_fake.enqueue(
        lambda body: Text(
            json.dumps(
                {
                    "suggestions": [
                        *({"id": item["id"], "reason": "Crunchy and bold."} for item in nutty.values()),
                        *(
                            {"id": int(i), "reason": "A lovely pick."}
                            for i in host_brain.CANDIDATE.findall(host_brain.user_text(body))[:2]
                        ),
                    ]
                }
            )
        )
    )
    guest = Guest(stack)
    reply = guest.say(message)
    named = named_dishes(reply, dishes)
    assert len(named) >= 2, reply
    assert not [name for name in named if set(dishes[name]["allergens"]) & NUTS], reply
    assert "without peanuts or tree nuts" in reply, reply
    if fresh_fake.chat_requests:
        prompt = host_brain.user_text(fresh_fake.chat_requests[-1].body)
        assert not [name for name in nutty if f": {name} —" in prompt], "nut dishes were offered to the model"


def test_an_allergy_the_menu_cannot_check_is_said_honestly_and_later_recommendations_work(stack: Stack):
    with stack.backend() as client:
        phone = client.get("/api/restaurant/").json()["phone"]
    dishes = menu(stack)
    guest = Guest(stack)
    first = guest.say("I'm allergic to kiwi, what do you recommend?")
    assert "I can't check our dishes for kiwi" in first, first
    assert "please ask our staff before ordering" in first and phone in first, first
    later = guest.say("recommend something cozy")
    named = named_dishes(later, dishes)
    assert len(named) >= 2, later
    assert set(guest.slot("last_recommendations")) == {dishes[name]["id"] for name in named}
