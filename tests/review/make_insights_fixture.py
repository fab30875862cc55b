"""Builds the insights tests' tracker database with Rasa's own SQLTrackerStore (run with .venv-rasa/bin/python):

    .venv-rasa/bin/python -m tests.review.make_insights_fixture backend/apps/insights/tests/fixtures/tracker.db

It reuses the event helpers and the writer of the review tool's fixture builder (tests/review/make_tracker_fixture.py), so the
schema and event JSON are exactly Rasa 3.6's. Two UTC days: 2025-11-24 (T0) and 2025-11-25 (T0 + 1 day).
"""

from __future__ import annotations

import asyncio
import sys

from rasa.shared.core.events import SessionStarted, SlotSet

from tests.review.make_tracker_fixture import T0, act, bot, user, write

DAY = 86400.0


def start(ts):
    return [
        act("action_session_start", ts=ts),
        SessionStarted(timestamp=T0 + ts),
        act("action_listen", ts=ts + 0.1),
    ]


def slot(name, value, ts):
    return SlotSet(name, value, timestamp=T0 + ts)


def conversations():
    # Day 1: the whole funnel, with LLM cost on two replies.
    yield (
        "ins-full",
        start(0)
        + [
            user("hello", "greet", 0.99, "goodbye", 0.01, ts=1),
            act("utter_greet", ts=1.1),
            bot("Hi!", ts=1.2),
            act("action_listen", ts=1.3),
            user("show me the menu", "browse_menu", 0.95, "greet", 0.02, ts=2),
            act("action_show_menu", ts=2.1),
            bot("Here is the menu.", ts=2.2, llm_generated=True, llm_cost_usd="0.0125"),
            act("action_listen", ts=2.3),
            user("two pad thai", "order_item", 0.97, "browse_menu", 0.01, ts=3),
            act("action_add_order_line", ts=3.1),
            slot("cart_id", "c-10", 3.2),
            bot("Added 2 × Pad Thai.", ts=3.3),
            act("action_listen", ts=3.4),
            user("checkout", "checkout", 0.99, "view_cart", 0.005, ts=4),
            act("action_start_checkout", ts=4.1),
            slot("next_flow", "checkout_form", 4.2),
            slot("checkout_stage", "placed", 4.3),
            bot("Order #2001 is placed!", ts=4.4, llm_cost_usd="0.0035"),
            act("action_listen", ts=4.5),
        ],
    )
    # Day 1: greet, a recommendation, an unanswered question with an email in it, an NLU fallback.
    yield (
        "ins-reco",
        start(100)
        + [
            user("hi there", "greet", 0.98, "goodbye", 0.01, ts=101),
            act("utter_greet", ts=101.1),
            bot("Hello!", ts=101.2),
            act("action_listen", ts=101.3),
            user("what do you recommend?", "ask_recommendation", 0.9, "browse_menu", 0.05, ts=102),
            act("action_recommend", ts=102.1),
            bot("Try the curry.", ts=102.2, llm_generated=True, llm_cost_usd="0.0030"),
            act("action_listen", ts=102.3),
            user(
                "Can you send the allergen list to anna.smith@example.com?",
                "ask_faq",
                0.6,
                "inform",
                0.2,
                ts=103,
            ),
            act("action_answer_faq", ts=103.1),
            bot("I don't know that yet, sorry.", ts=103.2, llm_generated=True, llm_cost_usd="0.0011"),
            act("action_listen", ts=103.3),
            user("blorp the zingle", "nlu_fallback", 0.21, "out_of_scope", 0.2, ts=104),
            act("action_default_fallback", ts=104.1),
            bot("Sorry, I didn't get that.", ts=104.2),
            act("action_listen", ts=104.3),
        ],
    )
    # Day 1: a greeting and a question the assistant could not answer.
    yield (
        "ins-browse",
        start(200)
        + [
            user("hey", "greet", 0.97, "goodbye", 0.01, ts=201),
            act("utter_greet", ts=201.1),
            bot("Hi!", ts=201.2),
            act("action_listen", ts=201.3),
            user("Do you have vegan cake?", "ask_faq", 0.7, "browse_menu", 0.2, ts=202),
            act("action_answer_faq", ts=202.1),
            bot("I don't know whether we have that.", ts=202.2, llm_cost_usd="0.0020"),
            act("action_listen", ts=202.3),
        ],
    )
    # Day 2: no greeting, the same question, then an order straight away.
    yield (
        "ins-day2",
        start(DAY)
        + [
            user("do you have  vegan cake", "ask_faq", 0.7, "browse_menu", 0.2, ts=DAY + 1),
            act("action_answer_faq", ts=DAY + 1.1),
            bot("I don't know, sorry.", ts=DAY + 1.2, llm_cost_usd="0.0040"),
            act("action_listen", ts=DAY + 1.3),
            user("one margherita", "order_item", 0.96, "browse_menu", 0.02, ts=DAY + 2),
            act("action_add_order_line", ts=DAY + 2.1),
            slot("cart_id", "c-11", DAY + 2.2),
            bot("Added 1 × Margherita.", ts=DAY + 2.3),
            act("action_listen", ts=DAY + 2.4),
            user("checkout", "checkout", 0.99, "view_cart", 0.005, ts=DAY + 3),
            act("action_start_checkout", ts=DAY + 3.1),
            slot("checkout_stage", "placed", DAY + 3.2),
            bot("Order #2002 is placed!", ts=DAY + 3.3),
            act("action_listen", ts=DAY + 3.4),
        ],
    )
    # Day 2: only a fallback.
    yield (
        "ins-fallback",
        start(DAY + 100)
        + [
            user("Blorp the zingle!", "nlu_fallback", 0.2, "out_of_scope", 0.19, ts=DAY + 101),
            act("action_default_fallback", ts=DAY + 101.1),
            bot("Sorry, I didn't get that.", ts=DAY + 101.2),
            act("action_listen", ts=DAY + 101.3),
        ],
    )


if __name__ == "__main__":
    asyncio.run(write(sys.argv[1], conversations()))
