"""Prometheus metrics of the action server move with what guests do, and carry no guest ids."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.e2e.test_llm import (  # noqa: F401 - the fixture resets the fake
    close_the_circuit,
    document_question,
    first_faq,
    fresh_fake,
    unplaceable_message,
)
from tests.e2e.test_ordering import Guest
from tests.fakes import host_brain
from tests.fakes.groq_server import FakeGroq, Status, Text
from tests.stack import Stack

pytestmark = pytest.mark.e2e


def scrape(stack: Stack) -> str:
    response = httpx.get(f"{stack.actions_url}/metrics", timeout=10)
    response.raise_for_status()
    return response.text


def value(text: str, name: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{val}"' for key, val in sorted(labels.items()))  # exposition sorts labels
    pattern = re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if labels else "") + r" ([0-9.e+-]+)$"
    match = re.search(pattern, text, re.MULTILINE)
    return float(match.group(1)) if match else 0.0


def test_handoffs_and_action_durations_are_counted(stack: Stack):
    before = scrape(stack)
    Guest(stack).say("I want to talk to a real person")
    after = scrape(stack)
    assert (
        value(after, "restaurant_assistant_handoffs_total")
        == value(before, "restaurant_assistant_handoffs_total") + 1
    )
    count = "restaurant_assistant_action_duration_seconds_count"
    assert value(after, count, action="action_handoff") == value(before, count, action="action_handoff") + 1


def test_llm_requests_tokens_and_cost_are_counted(stack: Stack, fresh_fake: FakeGroq):
    fresh_fake.enqueue(
        Text("We cater for groups of ten or more [Catering].", prompt_tokens=1000, completion_tokens=50)
    )
    question = document_question(stack)
    before = scrape(stack)
    reply = Guest(stack).say(question)
    after = scrape(stack)
    assert len(fresh_fake.chat_requests) == 1, reply
    model = "openai/gpt-oss-120b"
    tokens = "restaurant_assistant_llm_tokens_total"
    assert (
        value(after, tokens, model=model, direction="prompt")
        - value(before, tokens, model=model, direction="prompt")
        == 1000
    )
    cost = value(after, "restaurant_assistant_llm_cost_usd_total", model=model) - value(
        before, "restaurant_assistant_llm_cost_usd_total", model=model
    )
    assert cost == pytest.approx(1000 * 0.15e-6 + 50 * 0.60e-6)
    assert value(after, "restaurant_assistant_llm_cache_requests_total", result="miss") > value(
        before, "restaurant_assistant_llm_cache_requests_total", result="miss"
    )


def test_no_metric_label_carries_a_conversation_id(stack: Stack):
    guest = Guest(stack)
    guest.say("one tomato soup please")
    assert guest.sender not in scrape(stack)
    assert "restaurant_assistant_user_messages_total" in scrape(stack)


def test_checkouts_orders_and_abandoned_checkouts_are_counted(stack: Stack):
    from tests.e2e.test_ordering import checkout_at_the_counter, order_a_soup, order_with_size

    names = [
        "restaurant_assistant_checkouts_started_total",
        "restaurant_assistant_orders_placed_total",
        "restaurant_assistant_checkouts_abandoned_total",
    ]
    before = scrape(stack)
    declined = Guest(stack)
    order_with_size(declined, "one tomato soup please", "regular")
    checkout_at_the_counter(declined)
    assert "haven't placed" in declined.say("no")
    order_a_soup(Guest(stack))
    after = scrape(stack)
    assert [value(after, name) - value(before, name) for name in names] == [2, 1, 1]


def delta(before: str, after: str, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


def test_a_new_conversation_is_counted_once_by_channel(stack: Stack):
    before = scrape(stack)
    guest = Guest(stack)
    guest.say("hi")
    guest.say("show me the desserts")
    after = scrape(stack)
    assert delta(before, after, "restaurant_assistant_conversations_started_total", channel="rest") == 1
    assert delta(before, after, "restaurant_assistant_user_messages_total", channel="rest") == 2


def test_fallbacks_are_counted_by_kind(stack: Stack, fresh_fake: FakeGroq):
    name = "restaurant_assistant_fallbacks_total"
    before = scrape(stack)
    Guest(stack).say(unplaceable_message(stack))  # NLU fallback, answered by the free-form LLM turn
    middle = scrape(stack)
    assert delta(before, middle, name, kind="nlu") == 1 and delta(before, middle, name, kind="unknown") == 0
    reply = Guest(stack).say(
        first_faq(
            stack,
            [
                "do you have a helipad?",
                "is there a dress code?",
                "do you have a karaoke machine?",
                "what's the wifi password?",
            ],
        )
    )
    after = scrape(stack)
    assert "I don't know" in reply
    assert delta(middle, after, name, kind="unknown") == 1 and delta(middle, after, name, kind="nlu") == 0


def test_retrieval_and_backend_calls_are_timed_and_backend_errors_counted(stack: Stack):
    before = scrape(stack)
    reply = Guest(stack).say("what's the status of order 987654?")
    after = scrape(stack)
    assert "couldn't find order #987654" in reply
    assert delta(before, after, "restaurant_assistant_backend_errors_total", kind="rejected") == 1
    assert (
        delta(before, after, "restaurant_assistant_backend_request_duration_seconds_count", method="GET") >= 1
    )
    Guest(stack).say(document_question(stack))
    assert delta(after, scrape(stack), "restaurant_assistant_retrieval_duration_seconds_count") >= 1


def test_llm_errors_are_counted_by_reason(stack: Stack, fresh_fake: FakeGroq):
    close_the_circuit(stack)
    fresh_fake.responder = lambda body: Status(500)
    before = scrape(stack)
    try:
        reply = Guest(stack).say(document_question(stack))
    finally:
        fresh_fake.responder = host_brain.respond
    after = scrape(stack)
    assert "From our" in reply  # the guest still got the offline answer
    assert delta(before, after, "restaurant_assistant_llm_errors_total", reason="error") == 1
    close_the_circuit(stack)
