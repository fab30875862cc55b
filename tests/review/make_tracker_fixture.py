"""Builds a small tracker database with Rasa's own SQLTrackerStore (run with .venv-rasa/bin/python).

    .venv-rasa/bin/python tests/review/make_tracker_fixture.py backend/apps/review/tests/fixtures/tracker.db

The review tool's tests read this file, so the schema and the event JSON are exactly Rasa 3.6's.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterable

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

T0 = 1764000000.0  # 2025-11-24


def user(text, intent, conf, runner, runner_conf, entities=(), channel="rest", ts=0.0):
    parse = {
        "text": text,
        "intent": {"name": intent, "confidence": conf},
        "intent_ranking": [
            {"name": intent, "confidence": conf},
            {"name": runner, "confidence": runner_conf},
        ],
        "entities": [dict(e) for e in entities],
    }
    return UserUttered(
        text,
        parse["intent"],
        list(parse["entities"]),
        parse_data=parse,
        input_channel=channel,
        timestamp=T0 + ts,
    )


def act(name, policy="RulePolicy", conf=1.0, ts=0.0):
    return ActionExecuted(name, policy=policy, confidence=conf, timestamp=T0 + ts)


def bot(text, ts=0.0, **meta):
    return BotUttered(text, metadata=meta, timestamp=T0 + ts)


def ent(entity, value, text, start):
    return {
        "entity": entity,
        "value": value,
        "start": start,
        "end": start + len(text),
        "extractor": "DIETClassifier",
        "confidence_entity": 0.9,
    }


def conversations():
    low = "two margheritas please, mail me at anna.smith@example.com"
    yield (
        "guest-lowconf",
        [
            act("action_session_start", ts=0),
            SessionStarted(timestamp=T0),
            act("action_listen", ts=0.1),
            user(
                low,
                "order_item",
                0.41,
                "browse_menu",
                0.37,
                [ent("quantity", "2", "two", 0), ent("dish", "margherita", "margheritas", 4)],
                ts=1,
            ),
            act("action_prepare_order", "TEDPolicy", 0.88, ts=1.1),
            SlotSet("cart_id", "c-1", timestamp=T0 + 1.2),
            bot("Added 2 × Margherita Pizza.", ts=1.3),
            act("action_listen", ts=1.4),
            user(
                "call me on +44 20 7946 0958, I'm at 12 Baker Street",
                "inform",
                0.55,
                "human_handoff",
                0.30,
                ts=2,
            ),
            act("action_handoff", "RulePolicy", 1.0, ts=2.1),
            bot("A person will call you back.", ts=2.2),
            act("action_listen", ts=2.3),
        ],
    )
    yield (
        "guest-placed",
        [
            act("action_session_start", ts=100),
            SessionStarted(timestamp=T0 + 100),
            act("action_listen", ts=100.1),
            user(
                "i want a pad thai",
                "order_item",
                0.97,
                "ask_item_details",
                0.01,
                [ent("dish", "pad thai", "pad thai", 9)],
                channel="socketio",
                ts=101,
            ),
            act("action_prepare_order", "RulePolicy", 1.0, ts=101.1),
            SlotSet("cart_id", "c-2", timestamp=T0 + 101.2),
            bot("Added 1 × Pad Thai.", ts=101.3),
            act("action_listen", ts=101.4),
            user("checkout", "checkout", 0.99, "view_cart", 0.005, channel="socketio", ts=102),
            act("action_view_cart", "RulePolicy", 1.0, ts=102.1),
            ActiveLoop("checkout_form", timestamp=T0 + 102.2),
            SlotSet("checkout_stage", "placed", timestamp=T0 + 102.3),
            act("action_place_order", "RulePolicy", 1.0, ts=102.4),
            bot("Order #1001 is placed! Pay with card 4111 1111 1111 1111 at the counter.", ts=102.5),
            act("action_listen", ts=102.6),
        ],
    )
    yield (
        "guest-llm",
        [
            act("action_session_start", ts=200),
            SessionStarted(timestamp=T0 + 200),
            act("action_listen", ts=200.1),
            user(
                "is the tiramisu made with raw eggs?",
                "ask_faq",
                0.62,
                "ask_item_details",
                0.58,
                [ent("dish", "tiramisu", "tiramisu", 7)],
                ts=201,
            ),
            act("action_answer_faq", "TEDPolicy", 0.71, ts=201.1),
            bot(
                "Our tiramisu uses pasteurised eggs.",
                ts=201.2,
                llm_generated=True,
                retrieved_context=["Tiramisu: mascarpone, pasteurised egg, coffee."],
            ),
            act("action_listen", ts=201.3),
            user("blorp the zingle", "nlu_fallback", 0.21, "out_of_scope", 0.20, ts=202),
            act("action_free_form", "RulePolicy", 1.0, ts=202.1),
            bot("Sorry, I didn't get that.", ts=202.2, llm_generated=True),
            act("action_listen", ts=202.3),
        ],
    )
    yield (
        "guest-abandoned",
        [
            act("action_session_start", ts=300),
            SessionStarted(timestamp=T0 + 300),
            act("action_listen", ts=300.1),
            user(
                "add a coke",
                "order_item",
                0.93,
                "change_quantity",
                0.03,
                [ent("dish", "coke", "coke", 6)],
                ts=301,
            ),
            act("action_prepare_order", "RulePolicy", 1.0, ts=301.1),
            SlotSet("cart_id", "c-3", timestamp=T0 + 301.2),
            bot("Added 1 × Coke.", ts=301.3),
            act("action_listen", ts=301.4),
            user("bye", "goodbye", 0.98, "thanks", 0.01, ts=302),
            act("utter_goodbye", "RulePolicy", 1.0, ts=302.1),
            bot("Bye!", ts=302.2),
            act("action_listen", ts=302.3),
        ],
    )


async def write(path: str, conversations: Iterable[tuple[str, list]]) -> None:
    """A fresh tracker database at `path` holding these (sender, events) conversations."""
    if os.path.exists(path):
        os.remove(path)
    domain = Domain.load("domain.yml")
    store = SQLTrackerStore(domain, dialect="sqlite", db=os.path.abspath(path))
    for sender, events in conversations:
        await store.save(DialogueStateTracker.from_events(sender, events, domain.slots))


if __name__ == "__main__":
    asyncio.run(write(sys.argv[1], conversations()))
