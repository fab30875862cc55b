"""Questions in the middle of a form, through the live stack with the real NLU.

Issue: "wait, what time do you close today?" while ordering a dish got "Did you mean to change your
last dish to a new quantity?". For every slot of the order form (dish, quantity, size, extras) and
the checkout form (fulfilment, postcode, requested_time, payment_method) a guest who is being asked
for that slot asks about the opening hours, a dish's allergens, the delivery area and their cart.
Each question must be answered with the backend's facts (the hours of today, the allergen, the zone
of the postcode, the cart's lines), without "Did you mean ...?", the form must ask for the same slot
again, the cart must be unchanged, and answering the slot must carry on as usual.

Each case (slot × kind of question) is its own conversation and asks two phrasings: the issue's
own, then another one (which one depends on the slot, so that every phrasing is asked somewhere).
A failure says what NLU made of the question, to tell an NLU miss from a dialogue one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.test_ordering import Guest, order_with_size
from tests.stack import Stack, new_sender

pytestmark = pytest.mark.e2e

DID_YOU_MEAN = "did you mean"


# ------------------------------------------------------------------------------ the questions


@dataclass(frozen=True)
class Question:
    text: str
    dish: str = ""  # dish questions: the menu name the answer must give ...
    allergen: str = ""  # ... and the allergen word it must state
    postcode: str = ""  # delivery questions about one postcode


QUESTIONS: dict[str, list[Question]] = {
    "hours": [
        Question("wait, what time do you close today?"),
        Question("are you open on sundays?"),
        Question("hang on, what are your opening hours?"),
        Question("how late are you open tonight?"),
    ],
    "allergen": [
        Question("does the garlic bread have gluten?", "Garlic Bread", "gluten"),
        Question("is there dairy in the tiramisu?", "Matcha Tiramisu", "milk"),
        Question("any nuts in the pad thai?", "Pad Thai", "nuts"),
        Question("hang on, does the pad thai contain peanuts?", "Pad Thai", "peanuts"),
    ],
    "delivery": [
        Question("do you deliver to 1012?", postcode="1012"),
        Question("one sec, do you deliver to 1051?", postcode="1051"),
        Question("what's your delivery area?"),
        Question("do you deliver to my area?"),
    ],
    "cart": [
        Question("what's in my cart?"),
        Question("sorry, what's in my cart right now?"),
        Question("what have I ordered so far?"),
        Question("show me my cart"),
    ],
}
KINDS = list(QUESTIONS)


def restaurant(stack: Stack) -> dict[str, Any]:
    with stack.backend() as client:
        return client.get("/api/restaurant/").json()


def answer_problem(stack: Stack, kind: str, question: Question, reply: str, cart: dict[str, Any]) -> str:
    """What is missing from the reply for it to answer the question ("" when it answers it)."""
    lowered = reply.lower()
    if kind == "hours":
        facts = restaurant(stack)
        today = datetime.now(ZoneInfo(facts.get("timezone") or "UTC")).strftime("%A").lower()
        closing = [entry["closes"][:5] for entry in facts["opening_hours"] if entry["day"] == today]
        missing = [time for time in closing if time not in reply]
        return f"today's closing time {missing} not stated" if missing or not closing else ""
    if kind == "allergen":
        if question.dish not in reply or question.allergen not in lowered:
            return f"no allergen fact about {question.dish} / {question.allergen}"
        return ""
    if kind == "delivery":
        zones = restaurant(stack)["delivery_zones"]
        wanted = (
            [zone for zone in zones if question.postcode in zone["postcodes"]] if question.postcode else zones
        )
        missing = [zone["name"] for zone in wanted if zone["name"] not in reply]
        if missing or (question.postcode and question.postcode not in reply):
            return f"delivery zone(s) {missing} / postcode {question.postcode or '-'} not stated"
        return ""
    lines = [f"{line['quantity']} × {line['item']['name']}" for line in cart["lines"]]
    missing = [line for line in lines if line not in reply]
    return f"cart lines {missing} not listed" if missing or not lines else ""


# ------------------------------------------------------------------------------ the form slots


def fill_cart(guest: Guest) -> None:
    """Three soups (€19.50): enough for a delivery to the centre, and lines to see in "my cart"."""
    reply = order_with_size(guest, "three tomato soups please", "regular")
    assert "Added 3 × Tomato Soup" in reply, reply


def reach_extras(guest: Guest) -> str:
    """No dish on today's menu leaves its extras open (a dish ordered without extras gets none), so
    the form never asks for them by itself: the test clears the slot, as a dish whose extras must be
    chosen would leave it, through Rasa's tracker API, then the form asks for it after the size."""
    assert "size" in guest.say("a margherita pizza please").lower()
    response = guest.stack.rasa_api(
        "POST",
        f"/conversations/{guest.sender}/tracker/events",
        json=[{"event": "slot", "name": "extras", "value": None}],
    )
    assert response.status_code == 200, response.text
    return guest.say("large")


@dataclass(frozen=True)
class Slot:
    name: str
    form: str
    reach: Callable[[Guest], str]  # from a filled cart to the form asking for this slot; its last reply
    asks: str  # the slot's question, lower case
    answer: str  # what the guest then answers
    then: Callable[[str], bool]  # the reply to that answer shows the flow carrying on


def _checkout(*answers: str) -> Callable[[Guest], str]:
    def reach(guest: Guest) -> str:
        reply = guest.say("checkout")
        for answer in answers:
            reply = guest.say(answer)
            if answer == "asap" and "shall i schedule" in reply.lower():
                reply = guest.say("yes")  # closed now: the first time it can be had is offered
        return reply

    return reach


def _time_taken(reply: str) -> bool:
    """ "asap" is taken, or (while the restaurant is closed) the first possible time is offered."""
    return "how would you like to pay" in reply.lower() or "shall i schedule" in reply.lower()


SLOTS = [
    Slot(
        "dish",
        "order_form",
        lambda guest: guest.say("I want the sushi platter"),
        "what would you like to order",
        "pad thai",
        lambda reply: "which size would you like for the pad thai" in reply.lower(),
    ),
    # a quantity that cannot be added is not asked about: the range at once (tests/e2e/test_ordering.py)
    Slot(
        "quantity",
        "order_form",
        lambda guest: guest.say("9999 green teas"),
        "how many green tea",
        "2",
        lambda reply: "Added 2 × Green Tea" in reply or "size" in reply.lower(),
    ),
    Slot(
        "size",
        "order_form",
        lambda guest: guest.say("a margherita pizza please"),
        "which size would you like",
        "large",
        lambda reply: "Added 1 × Margherita Pizza (large)" in reply,
    ),
    Slot(
        "extras",
        "order_form",
        reach_extras,
        "any extras",
        "extra cheese please",
        lambda reply: "Added 1 × Margherita Pizza (large, extra cheese)" in reply,
    ),
    Slot(
        "fulfilment",
        "checkout_form",
        _checkout(),
        "pickup or delivery",
        "delivery",
        lambda reply: "postcode" in reply.lower(),
    ),
    Slot(
        "postcode",
        "checkout_form",
        _checkout("delivery"),
        "what's the postcode for delivery",
        "1012",
        lambda reply: "when would you like it" in reply.lower(),
    ),
    Slot(
        "requested_time", "checkout_form", _checkout("pickup"), "when would you like it", "asap", _time_taken
    ),
    Slot(
        "payment_method",
        "checkout_form",
        _checkout("pickup", "asap"),
        "how would you like to pay",
        "I'll pay at the counter",
        lambda reply: "Shall I place" in reply,
    ),
]


def cart_contents(guest: Guest) -> list[tuple[str, int, list[str]]]:
    cart = guest.cart()
    return [
        (line["item"]["name"], line["quantity"], sorted(option["name"] for option in line["options"]))
        for line in cart["lines"]
    ]


def nlu_reading(stack: Stack, text: str) -> str:
    parsed = stack.rasa_api("POST", "/model/parse", json={"text": text}).json()
    intent = parsed.get("intent") or {}
    entities = [(entity["entity"], entity.get("value")) for entity in parsed.get("entities", [])]
    return f"NLU: {intent.get('name')} {float(intent.get('confidence') or 0):.2f} {entities}"


# ------------------------------------------------------------------------------ the cases


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("slot", SLOTS, ids=[slot.name for slot in SLOTS])
def test_a_question_on_a_form_slot_is_answered_and_the_form_asks_again(stack: Stack, slot: Slot, kind: str):
    guest = Guest(stack)
    fill_cart(guest)
    reached = slot.reach(guest)
    assert slot.asks in reached.lower(), f"did not reach the {slot.name} slot: {reached!r}"
    index = [s.name for s in SLOTS].index(slot.name)
    phrasings = [QUESTIONS[kind][0], QUESTIONS[kind][1 + index % (len(QUESTIONS[kind]) - 1)]]

    problems = []
    for question in phrasings:
        before = cart_contents(guest)
        messages = stack.say(guest.sender, question.text)
        reply = "\n".join(message.get("text", "") for message in messages)
        last = (messages[-1].get("text") or "") if messages else ""
        tracker = stack.tracker(guest.sender)
        found = []
        if DID_YOU_MEAN in reply.lower():
            found.append('asked "Did you mean ...?"')
        missing = answer_problem(stack, kind, question, reply, guest.cart())
        if missing:
            found.append(f"not answered: {missing}")
        if slot.asks not in last.lower():
            found.append(f"did not ask for the {slot.name} again")
        if (tracker.get("active_loop") or {}).get("name") != slot.form or tracker["slots"].get(
            "requested_slot"
        ) != slot.name:
            found.append(
                f"left the form: active loop {tracker.get('active_loop')}, "
                f"requested slot {tracker['slots'].get('requested_slot')}"
            )
        if cart_contents(guest) != before:
            found.append(f"cart changed: {before} -> {cart_contents(guest)}")
        if found:
            problems.append(
                f"{question.text!r} ({nlu_reading(stack, question.text)}): {'; '.join(found)}\n"
                f"    reply: {reply!r}"
            )

    after = guest.say(slot.answer, confirm=False)
    if not slot.then(after):
        problems.append(f"answering {slot.answer!r} did not carry on: {after!r}")
    assert not problems, "\n".join(problems)


# ------------------------------------------------------------------------------ NLU misreadings

# Rasa's own agent, in Rasa's environment, with the stack's model and action server: it takes a
# message with the parse given, so a question can be fed as NLU misread it (today's NLU reads these
# right; an earlier model read "wait, what time do you close today?" as change_quantity at 0.48).
AGENT_DRIVER = """
import asyncio, json, os, sys
from rasa.core.agent import Agent
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import EndpointConfig

async def main(model, actions_url, sender, turns):
    headers = {"Authorization": "Bearer " + os.environ["ACTION_SERVER_TOKEN"]}  # what endpoints.yml sends
    agent = Agent.load(model, action_endpoint=EndpointConfig(url=actions_url, headers=headers))
    for text, parse in turns:
        if parse:
            parse = {"text": text, "intent": {"name": parse["intent"], "confidence": parse["confidence"]},
                     "entities": [{"entity": name, "value": value, "start": 0, "end": 0}
                                  for name, value in parse["entities"].items()]}
        out = CollectingOutputChannel()
        await agent.handle_message(UserMessage(text, out, sender, parse_data=parse or None))
        tracker = await agent.tracker_store.retrieve(sender)
        print(json.dumps({"texts": [m.get("text") or "" for m in out.messages], "loop": tracker.active_loop_name,
                          "requested": tracker.get_slot("requested_slot"), "dish": tracker.get_slot("dish"),
                          "cart_id": tracker.get_slot("cart_id")}), flush=True)

asyncio.run(main(*sys.argv[1:4], json.loads(sys.argv[4])))
"""


def misread(text: str, intent: str, confidence: float, **entities: str) -> tuple[str, dict[str, Any]]:
    return text, {"intent": intent, "confidence": confidence, "entities": entities}


def test_questions_nlu_misreads_as_commands_are_answered_and_the_form_goes_on(stack: Stack):
    import json
    import subprocess

    from tests.stack import ROOT

    hours = misread("wait, what time do you close today?", "change_quantity", 0.48, faq_topic="hours")
    turns: list[tuple[str, Any]] = [
        ("three tomato soups please", None),
        ("regular", None),
        ("a margherita pizza please", None),
        hours,
        misread(
            "does the garlic bread have gluten?",
            "order_item",
            0.61,
            dish="Garlic Bread",
            allergen="cereals_gluten",
        ),
        misread("is delivery free?", "inform", 0.45, faq_topic="delivery"),
        misread("hang on, is the pad thai spicy", "remove_item", 0.5, dish="Pad Thai", detail="spiciness"),
        ("large", None),
        ("checkout", None),
        misread("can I pay by card?", "checkout", 0.55, faq_topic="payment"),
        hours,
        ("pickup", None),
        hours,
        misread(
            "does the garlic bread have gluten?",
            "nlu_fallback",
            0.4,
            dish="Garlic Bread",
            allergen="cereals_gluten",
        ),
    ]
    model = next((stack.workdir / "models").glob("*.tar.gz"))
    done = subprocess.run(
        [
            str(ROOT / ".venv-rasa" / "bin" / "python"),
            "-c",
            AGENT_DRIVER,
            str(model),
            f"{stack.actions_url}/webhook",
            new_sender(),
            json.dumps(turns),
        ],
        cwd=ROOT,
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(results) == len(turns), done.stdout[-3000:]

    # turn → what the answer must say, and the question the form must then ask again
    answered = {
        3: ("opening hours", "which size"),
        4: ("garlic bread contains gluten", "which size"),
        5: ("we deliver to", "which size"),
        6: ("mildly spicy", "which size"),
        9: ("payment", "pickup or delivery"),
        10: ("opening hours", "pickup or delivery"),
        12: ("opening hours", "when would you like it"),
        13: ("garlic bread contains gluten", "when would you like it"),
    }
    for index, (says, asks) in answered.items():
        result, text = results[index], turns[index][0]
        reply = "\n".join(result["texts"]).lower()
        assert DID_YOU_MEAN not in reply, (text, reply)
        assert says in reply, (text, reply)
        assert asks in result["texts"][-1].lower(), (text, reply)
        assert result["loop"] is not None and result["requested"] is not None, (text, result)
        if index < 7:
            assert result["dish"] == "Margherita Pizza", (text, result)  # the question changed nothing
    assert "Added 1 × Margherita Pizza (large)" in "\n".join(results[7]["texts"])
    with stack.backend() as client:
        cart = client.get(f"/api/carts/{int(results[2]['cart_id'])}/").json()
    assert [(line["item"]["name"], line["quantity"]) for line in cart["lines"]] == [
        ("Tomato Soup", 3),
        ("Margherita Pizza", 1),
    ]
