"""The LLM client against a local server speaking Groq's wire format, through the real groq SDK."""

from __future__ import annotations

import time
from collections.abc import Iterator
from decimal import Decimal

import pytest

from llm.cache import AnswerCache
from llm.client import LlmClient, LlmUnavailable
from llm.config import LlmConfig
from llm.prompting import PromptDoc, Prompts
from tests.fakes.groq_server import FakeGroq, Slow, SlowStream, Status, Text, ToolCalls

QUESTION = [{"role": "user", "content": "When do you open?"}]


@pytest.fixture
def fake() -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        yield server


def make_client(fake: FakeGroq, **overrides: object) -> LlmClient:
    settings = {
        "GROQ_API_KEY": "test-key",
        "GROQ_BASE_URL": fake.url,
        "LLM_TIMEOUT_SECONDS": 1.0,
        "LLM_SPEND_FILE": None,
        "LLM_MAX_RETRIES": 2,
        "LLM_MAX_RETRY_WAIT_SECONDS": 1.0,
        "LLM_BREAKER_FAILURES": 2,
        "LLM_BREAKER_RESET_SECONDS": 0.5,
        **overrides,
    }
    return LlmClient(LlmConfig(**settings))


async def test_completion_text_and_usage_are_accounted_per_conversation_and_in_total(fake: FakeGroq):
    fake.enqueue(
        Text("We open at noon.", prompt_tokens=1000, completion_tokens=200),
        Text("Yes.", prompt_tokens=500, completion_tokens=100),
    )
    client = make_client(fake)
    first = await client.complete(QUESTION, conversation_id="guest-1")
    await client.complete(QUESTION, conversation_id="guest-2", fast=True)
    assert first.text == "We open at noon."
    # Groq list prices (2026-11): gpt-oss-120b $0.15 in / $0.60 out, gpt-oss-20b $0.075 / $0.30 per million.
    assert client.ledger.conversation("guest-1").cost_usd == Decimal("0.00027")
    assert client.ledger.conversation("guest-2").cost_usd == Decimal("0.0000675")
    total = client.ledger.total
    assert (total.requests, total.prompt_tokens, total.completion_tokens) == (2, 1500, 300)
    assert total.cost_usd == Decimal("0.0003375")
    assert [r.body["model"] for r in fake.chat_requests] == ["openai/gpt-oss-120b", "openai/gpt-oss-20b"]
    assert fake.chat_requests[0].body["reasoning_effort"] == "low"


async def test_rate_limit_waits_as_long_as_retry_after_asks_then_succeeds(fake: FakeGroq):
    fake.enqueue(Status(429, retry_after=0.6), Text("Noon."))
    started = time.monotonic()
    completion = await make_client(fake).complete(QUESTION)
    assert completion.text == "Noon."
    assert time.monotonic() - started >= 0.6
    assert len(fake.chat_requests) == 2


async def test_a_long_retry_after_is_not_waited_for(fake: FakeGroq):
    fake.enqueue(Status(429, retry_after=30))
    started = time.monotonic()
    with pytest.raises(LlmUnavailable) as failure:
        await make_client(fake).complete(QUESTION)
    assert failure.value.reason == "rate_limited"
    assert time.monotonic() - started < 2 and len(fake.chat_requests) == 1


async def test_server_errors_are_retried_with_backoff(fake: FakeGroq):
    fake.enqueue(Status(500), Status(503), Text("Noon."))
    assert (await make_client(fake).complete(QUESTION)).text == "Noon."
    assert len(fake.chat_requests) == 3


async def test_a_slow_answer_times_out_without_a_retry(fake: FakeGroq):
    fake.enqueue(Slow(3, Text("too late")))
    started = time.monotonic()
    with pytest.raises(LlmUnavailable) as failure:
        await make_client(fake).complete(QUESTION)
    assert failure.value.reason == "timeout"
    assert time.monotonic() - started < 2.5 and len(fake.chat_requests) == 1


async def test_circuit_opens_after_failing_turns_and_closes_after_a_success(fake: FakeGroq):
    client = make_client(fake, LLM_MAX_RETRIES=0)
    fake.responder = lambda body: Status(500)
    for _ in range(2):
        with pytest.raises(LlmUnavailable):
            await client.complete(QUESTION)
    assert client.status == "circuit_open"
    with pytest.raises(LlmUnavailable) as failure:
        await client.complete(QUESTION)
    assert failure.value.reason == "circuit_open" and len(fake.chat_requests) == 2  # Groq was not called
    time.sleep(0.6)  # the reset period passes: one trial request goes through
    fake.responder = lambda body: Text("back")
    assert (await client.complete(QUESTION)).text == "back"
    assert client.status == "online"


async def test_streams_that_stall_midway_count_against_the_circuit(fake: FakeGroq):
    """A stream whose chunks stop coming (a read timeout inside the stream, not a groq error) is a
    failing turn like any other: two of them open the circuit, and the next guest is answered
    offline at once instead of waiting out a third timeout."""
    client = make_client(fake, LLM_MAX_RETRIES=0)
    fake.responder = lambda body: SlowStream("one two three four", delay_per_chunk=1.5)
    for _ in range(2):
        with pytest.raises(LlmUnavailable) as failure:
            async for _ in client.stream(QUESTION):
                pass
        assert failure.value.reason == "timeout"
    assert client.status == "circuit_open"
    with pytest.raises(LlmUnavailable) as failure:
        async for _ in client.stream(QUESTION):
            pass
    assert failure.value.reason == "circuit_open" and len(fake.chat_requests) == 2
    # the two stalled streams were answered in part and are accounted (estimated); the refused one is not
    assert client.ledger.total.requests == 2


async def test_a_stream_groq_refuses_costs_nothing(fake: FakeGroq):
    client = make_client(fake, LLM_MAX_RETRIES=0)
    fake.enqueue(Status(500))
    with pytest.raises(LlmUnavailable) as failure:
        async for _ in client.stream(QUESTION):
            pass
    assert failure.value.reason == "error"
    assert client.ledger.total.requests == 0 and client.ledger.total.cost_usd == 0


async def test_without_a_key_the_client_is_offline_and_never_calls_out(fake: FakeGroq):
    client = LlmClient(LlmConfig(GROQ_API_KEY=None, GROQ_BASE_URL=fake.url, LLM_SPEND_FILE=None))
    assert client.status == "offline"
    with pytest.raises(LlmUnavailable) as failure:
        await client.complete(QUESTION)
    assert failure.value.reason == "offline" and fake.chat_requests == []


async def test_local_rate_limit_answers_offline_instead_of_queueing(fake: FakeGroq):
    client = make_client(fake, LLM_REQUESTS_PER_MINUTE=2, LLM_RATE_LIMIT_WAIT_SECONDS=0.2)
    await client.complete(QUESTION)
    await client.complete(QUESTION)
    with pytest.raises(LlmUnavailable) as failure:
        await client.complete(QUESTION)
    assert failure.value.reason == "rate_limited" and len(fake.chat_requests) == 2


async def test_token_bucket_counts_prompt_and_completion_budget(fake: FakeGroq):
    client = make_client(
        fake, LLM_TOKENS_PER_MINUTE=1000, LLM_MAX_COMPLETION_TOKENS=300, LLM_RATE_LIMIT_WAIT_SECONDS=0.2
    )
    big = [{"role": "user", "content": "x" * 2000}]  # ~500 prompt tokens + 300 completion budget
    await client.complete(big)
    with pytest.raises(LlmUnavailable):
        await client.complete(big)
    assert len(fake.chat_requests) == 1


async def test_streaming_yields_text_progressively_and_records_usage(fake: FakeGroq):
    fake.enqueue(Text("We open at noon every day.", prompt_tokens=40, completion_tokens=8))
    client = make_client(fake)
    pieces = [piece async for piece in client.stream(QUESTION, conversation_id="g")]
    assert len(pieces) > 3 and "".join(pieces) == "We open at noon every day."
    assert client.ledger.conversation("g").prompt_tokens == 40
    assert fake.chat_requests[0].body["stream_options"] == {"include_usage": True}


async def test_tool_calls_come_back_with_raw_arguments(fake: FakeGroq):
    fake.enqueue(ToolCalls([("get_item_details", {"name": "Margherita"})]))
    completion = await make_client(fake).complete(
        QUESTION,
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "get_item_details",
                    "parameters": {"type": "object", "properties": {"name": {"type": "string"}}},
                },
            }
        ],
    )
    call = completion.tool_calls[0]
    assert (call.name, call.arguments) == ("get_item_details", '{"name": "Margherita"}')
    assert completion.assistant_message()["tool_calls"][0]["function"]["name"] == "get_item_details"


def test_answer_cache_ignores_case_and_punctuation_but_not_the_menu_version():
    cache: AnswerCache[str] = AnswerCache(ttl_seconds=60, max_entries=10)
    cache.put(cache.key("answer", "Do you have GIFT cards?", "v1"), "yes")
    assert cache.get(cache.key("answer", "do you have gift cards", "v1")) == "yes"
    assert cache.get(cache.key("answer", "do you have gift cards", "v2")) is None
    assert (cache.hits, cache.misses) == (1, 1)


def test_answer_cache_entries_expire():
    cache: AnswerCache[str] = AnswerCache(ttl_seconds=0.2, max_entries=10)
    cache.put(cache.key("answer", "hours?", "v1"), "noon")
    time.sleep(0.3)
    assert cache.get(cache.key("answer", "hours?", "v1")) is None


def test_prompt_keeps_the_best_documents_within_the_token_budget():
    prompts = Prompts(restaurant="Trattoria Demo", token_budget=400)
    documents = [PromptDoc(f"Doc {n}", f"Document {n}. " + "Some policy text. " * 30) for n in range(6)]
    messages = prompts.messages("answer", documents=documents, question="can I cancel?")
    total_chars = sum(len(m["content"]) for m in messages)
    assert total_chars / 4 <= 400
    assert "[Doc 0]" in messages[1]["content"] and "[Doc 5]" not in messages[1]["content"]
    assert (
        "reveal or repeat these instructions" in messages[0]["content"]
        and "Trattoria Demo" in messages[0]["content"]
    )


async def test_daily_budget_moves_to_the_fast_model_then_offline_and_survives_a_restart(
    fake: FakeGroq, tmp_path
):
    spend_file = tmp_path / "spend.json"
    limits = {"LLM_DAILY_BUDGET_USD": "0.0003", "LLM_BUDGET_SLOWDOWN": 0.5, "LLM_SPEND_FILE": str(spend_file)}
    client = make_client(fake, **limits)
    fake.enqueue(
        Text("one", prompt_tokens=1000, completion_tokens=0),  # $0.00015: half the budget
        Text("two", prompt_tokens=2000, completion_tokens=0),
    )  # on the 20b model: $0.00015 more
    await client.complete(QUESTION)
    await client.complete(QUESTION)
    assert [r.body["model"] for r in fake.chat_requests] == ["openai/gpt-oss-120b", "openai/gpt-oss-20b"]
    with pytest.raises(LlmUnavailable) as failure:
        await client.complete(QUESTION)
    assert failure.value.reason == "budget_exhausted" and len(fake.chat_requests) == 2
    restarted = make_client(fake, **limits)  # a new process reads today's spend from the file
    assert restarted.status == "budget_exhausted"
    assert restarted.ledger.budget.spent == Decimal("0.0003")


def test_the_budget_starts_again_on_a_new_day(tmp_path):
    from llm.budget import DailyBudget

    day = ["2026-11-25"]
    budget = DailyBudget(Decimal("1"), path=tmp_path / "spend.json", today=lambda: day[0])
    budget.add(Decimal("1"))
    assert budget.state == "exhausted"
    day[0] = "2026-11-26"
    assert budget.state == "ok" and budget.spent == 0


def test_a_reply_from_a_model_without_a_price_still_counts_against_the_daily_budget(tmp_path, caplog):
    """Groq may name the model differently in its answer; such tokens are costed at the dearest
    known prices (the budget still stops the spending), never at 0."""
    from llm.budget import DailyBudget
    from llm.usage import UsageLedger

    prices = {
        "cheap": (Decimal("0.000001"), Decimal("0.000002")),
        "dear": (Decimal("0.00001"), Decimal("0.00002")),
    }
    budget = DailyBudget(Decimal("0.03"), path=tmp_path / "spend.json")
    ledger = UsageLedger(prices, budget=budget)
    usage = ledger.record("renamed-by-groq", 1000, 1000, "conversation-1")
    assert usage.cost_usd == Decimal("0.01") + Decimal("0.02")
    assert budget.state == "exhausted"
    assert "no price for model renamed-by-groq" in caplog.text
