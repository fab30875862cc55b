"""What real guests type: other domains' ordering words, honest confidence, orders still sure.

The messages here were written for this test and appear nowhere in data/nlu: the NLU must judge
them by meaning (sentence embeddings, distance to the training examples), not by having seen them.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_ordering import Guest
from tests.stack import Stack, new_sender, texts

pytestmark = pytest.mark.e2e

DECLINE = "can't help with that"
ORDER_INTENTS = {"order_item", "change_quantity", "remove_item", "checkout"}

# Other domains, each with a word our ordering dialogue also uses.
OTHER_DOMAINS = [
    "please add alarms at 430am and 1030am",
    "can i put in a pto request for december 3rd to december 10th",
    "could you book me an aisle seat on the 6pm train to Groningen",
    "I'd like to order a replacement bank card, mine is bent",
    "put two hours of overtime on my timesheet for tuesday",
    "cancel the dentist on thursday and move it to next month",
    "add my daughter as a second driver on the car insurance",
]


def parse(stack: Stack, text: str) -> dict:
    response = stack.rasa_api("POST", "/model/parse", json={"text": text})
    response.raise_for_status()
    return response.json()


@pytest.mark.parametrize("text", OTHER_DOMAINS)
def test_another_domains_request_is_declined_and_starts_no_cart(stack: Stack, text: str):
    sender = new_sender()
    reply = texts(stack.say(sender, text))
    assert "Did you mean" not in reply and "Added" not in reply, reply
    assert stack.slots(sender).get("cart_id") is None, f"{text!r} opened a cart"
    parsed = parse(stack, text)
    intent = parsed["intent"]
    assert not (intent["name"] in ORDER_INTENTS and intent["confidence"] >= 0.95), parsed["intent"]


def test_most_other_domain_requests_get_the_out_of_scope_reply(stack: Stack):
    declined = [text for text in OTHER_DOMAINS if DECLINE in texts(stack.say(new_sender(), text))]
    assert len(declined) >= len(OTHER_DOMAINS) - 1, f"only these were declined: {declined}"


def test_an_order_without_a_dish_is_never_certain(stack: Stack):
    for text in ("I'd like to add two more for the meeting", "please put one in for me"):
        intent = parse(stack, text)["intent"]
        assert not (intent["name"] == "order_item" and intent["confidence"] >= 0.95), (text, intent)


def test_a_quantity_change_with_no_cart_changes_nothing(stack: Stack):
    guest = Guest(stack)
    reply = guest.say("make it three", confirm=False)
    assert "nothing in your cart" in reply and "Did you mean" not in reply, reply
    assert guest.slot("cart_id") is None, "a cart was opened for a change with nothing to change"


@pytest.mark.parametrize(
    "text, dish",
    [
        ("two garlic breads please", "Garlic Bread"),
        ("could I have the tomato soup", "Tomato Soup"),
        ("I'll take a margherita", "Margherita Pizza"),
    ],
)
def test_a_plain_order_for_a_menu_dish_is_sure_enough_to_act_on(stack: Stack, text: str, dish: str):
    parsed = parse(stack, text)
    assert parsed["intent"]["name"] == "order_item" and parsed["intent"]["confidence"] >= 0.95, parsed[
        "intent"
    ]
    assert dish in [entity["value"] for entity in parsed["entities"] if entity["entity"] == "dish"]
