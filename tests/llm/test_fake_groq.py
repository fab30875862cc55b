"""Contract tests: the FakeGroq server must stay wire-compatible with the real `groq` SDK.

The SDK builds response objects without validation, so the raw JSON / SSE payloads are also
validated strictly against the SDK's own pydantic models: a drift in the wire format fails here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import groq
import pytest
from groq import AsyncGroq, Groq
from groq.types.chat import ChatCompletion, ChatCompletionChunk
from groq.types.model_list_response import ModelListResponse

from tests.fakes.groq_server import (
    CHAT_PATH,
    FakeGroq,
    Slow,
    SlowStream,
    Status,
    Text,
    ToolCalls,
    count_prompt_tokens,
    split_words,
)

MODEL = "llama-3.1-8b-instant"
SYSTEM = "You are a waiter."  # 17 chars -> 5 tokens
USER = "Menu?"  # 5 chars -> 2 tokens
MESSAGES: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": USER}]
PROMPT_TOKENS = 5 + 2


@pytest.fixture
def fake() -> Iterator[FakeGroq]:
    with FakeGroq() as server:
        yield server


@pytest.fixture
async def client(fake: FakeGroq) -> AsyncIterator[AsyncGroq]:
    sdk = AsyncGroq(api_key="test", base_url=fake.url, max_retries=0, timeout=5)
    yield sdk
    await sdk.close()


def sse_payloads(raw: str) -> list[str]:
    """The `data:` payloads of an SSE body, in order."""
    return [line[len("data: ") :] for line in raw.splitlines() if line.startswith("data: ")]


# --------------------------------------------------------------------------- plain text


async def test_text_json_reply_parses_with_usage(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Text("Hello from the fake kitchen"))  # 27 chars -> 7 tokens
    resp = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]

    assert resp.object == "chat.completion"
    assert resp.model == MODEL
    assert resp.id.startswith("chatcmpl-")
    assert resp.x_groq is not None and resp.x_groq.id.startswith("req_")
    choice = resp.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hello from the fake kitchen"
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert resp.usage is not None
    assert resp.usage.prompt_tokens == PROMPT_TOKENS
    assert resp.usage.completion_tokens == 7
    assert resp.usage.total_tokens == PROMPT_TOKENS + 7
    assert isinstance(resp.usage.total_time, float) and isinstance(resp.usage.queue_time, float)


async def test_json_reply_matches_sdk_schema_strictly(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Text("Strict"), ToolCalls([("add_to_cart", {"item": "Margherita"})]))
    for _ in range(2):
        raw = await client.chat.completions.with_raw_response.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
        assert raw.http_response.headers["content-type"].startswith("application/json")
        data = await raw.json()
        validated = ChatCompletion.model_validate(data)
        assert validated.usage is not None and validated.usage.prompt_time is not None
        assert data["choices"][0]["logprobs"] is None
        assert data["system_fingerprint"]
        assert isinstance(data["created"], int)


async def test_explicit_token_counts_win(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Text("x", prompt_tokens=11, completion_tokens=3))
    resp = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert resp.usage is not None
    assert (resp.usage.prompt_tokens, resp.usage.completion_tokens, resp.usage.total_tokens) == (11, 3, 14)


def test_prompt_token_rule_counts_none_and_tool_arguments() -> None:
    body = {
        "messages": [
            {"role": "user", "content": "abcde"},  # 2
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}}
                ],
            },  # 2
            {"role": "tool", "tool_call_id": "c", "content": "done"},  # 1
        ]
    }
    assert count_prompt_tokens(body) == 5
    assert "".join(split_words("  One two  three ")) == "  One two  three "


# --------------------------------------------------------------------------- streaming


async def test_stream_yields_several_deltas_and_usage(fake: FakeGroq, client: AsyncGroq) -> None:
    content = "One two three four five"
    fake.enqueue(Text(content))
    stream = await client.chat.completions.create(
        model=MODEL,
        messages=MESSAGES,
        stream=True,
        extra_body={"stream_options": {"include_usage": True}},  # type: ignore[arg-type]
    )
    chunks = [chunk async for chunk in stream]

    # groq 1.7.0's create() has no `stream_options` parameter: it travels in extra_body.
    assert fake.requests[0].body["stream_options"] == {"include_usage": True}
    assert all(c.object == "chat.completion.chunk" and c.model == MODEL for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert len(pieces) >= 5
    assert "".join(pieces) == content

    finished = [c for c in chunks if c.choices and c.choices[0].finish_reason]
    assert len(finished) == 1 and finished[0].choices[0].finish_reason == "stop"
    assert finished[0].x_groq is not None and finished[0].x_groq.usage is not None
    assert finished[0].x_groq.usage.prompt_tokens == PROMPT_TOKENS
    assert finished[0].x_groq.usage.completion_tokens == 6  # ceil(23 / 4)

    last = chunks[-1]
    assert last.choices == []
    assert last.usage is not None
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (
        PROMPT_TOKENS,
        6,
        PROMPT_TOKENS + 6,
    )


async def test_stream_without_include_usage_has_only_x_groq_usage(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Text("Just x_groq"))
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    chunks = [chunk async for chunk in stream]
    assert all(c.choices for c in chunks)
    assert all(c.usage is None for c in chunks)
    assert chunks[-1].x_groq is not None and chunks[-1].x_groq.usage is not None
    assert chunks[-1].x_groq.usage.total_tokens == PROMPT_TOKENS + 3


async def test_sse_wire_matches_sdk_schema_strictly(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Text("Strict stream check"), ToolCalls([("checkout", {})], content="Sure."))
    for _ in range(2):
        raw = await client.chat.completions.with_raw_response.create(
            model=MODEL,
            messages=MESSAGES,
            stream=True,
            extra_body={"stream_options": {"include_usage": True}},  # type: ignore[arg-type]
        )
        assert raw.http_response.headers["content-type"].startswith("text/event-stream")
        payloads = sse_payloads((await raw.read()).decode())
        assert payloads[-1] == "[DONE]"
        chunks = [ChatCompletionChunk.model_validate(json.loads(p)) for p in payloads[:-1]]
        assert len(chunks) >= 4
        assert chunks[-1].choices == [] and chunks[-1].usage is not None
        assert chunks[-2].x_groq is not None and chunks[-2].x_groq.usage is not None


# --------------------------------------------------------------------------- tool calls


async def test_tool_calls_parse(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(ToolCalls([("add_to_cart", {"item": "Margherita", "qty": 2}), ("checkout", "{not json")]))
    resp = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    choice = resp.choices[0]
    assert choice.finish_reason == "tool_calls"
    calls = choice.message.tool_calls
    assert calls is not None and len(calls) == 2
    assert calls[0].type == "function" and calls[0].id.startswith("call_")
    assert calls[0].function.name == "add_to_cart"
    assert json.loads(calls[0].function.arguments) == {"item": "Margherita", "qty": 2}
    assert calls[1].function.name == "checkout"
    assert calls[1].function.arguments == "{not json"  # sent verbatim
    assert calls[0].id != calls[1].id


async def test_tool_calls_stream_in_openai_deltas(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(ToolCalls([("add_to_cart", {"item": "Tiramisu"}), ("checkout", {})]))
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    calls: dict[int, dict[str, str]] = {}
    finish = None
    async for chunk in stream:
        for choice in chunk.choices:
            finish = choice.finish_reason or finish
            for delta in choice.delta.tool_calls or []:
                slot = calls.setdefault(delta.index, {"id": "", "name": "", "arguments": ""})
                slot["id"] += delta.id or ""
                if delta.function is not None:
                    slot["name"] += delta.function.name or ""
                    slot["arguments"] += delta.function.arguments or ""
    assert finish == "tool_calls"
    assert sorted(calls) == [0, 1]
    assert calls[0]["name"] == "add_to_cart" and json.loads(calls[0]["arguments"]) == {"item": "Tiramisu"}
    assert calls[1]["name"] == "checkout" and json.loads(calls[1]["arguments"]) == {}
    assert calls[0]["id"].startswith("call_")


# --------------------------------------------------------------------------- errors, retries, timeouts


async def test_429_raises_rate_limit_error_with_retry_after(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Status(429, retry_after=1.5))
    with pytest.raises(groq.RateLimitError) as info:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    err = info.value
    assert err.status_code == 429
    assert float(err.response.headers["retry-after"]) == 1.5
    assert isinstance(err.body, dict)
    assert err.body["error"]["code"] == "rate_limit_exceeded"
    assert err.body["error"]["type"] == "tokens"
    assert len(fake.requests) == 1


async def test_sdk_retries_after_429_then_succeeds(fake: FakeGroq) -> None:
    fake.enqueue(Status(429, retry_after=0.2), Text("after retry"))
    async with AsyncGroq(api_key="test", base_url=fake.url, max_retries=1, timeout=5) as sdk:
        started = time.monotonic()
        resp = await sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
        elapsed = time.monotonic() - started
    assert resp.choices[0].message.content == "after retry"
    assert len(fake.requests) == 2
    assert elapsed >= 0.18  # the SDK honoured retry-after
    assert fake.requests[0].body == fake.requests[1].body


@pytest.mark.parametrize("code", [500, 503])
async def test_5xx_raises_internal_server_error(fake: FakeGroq, client: AsyncGroq, code: int) -> None:
    fake.enqueue(Status(code))
    with pytest.raises(groq.InternalServerError) as info:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert info.value.status_code == code
    assert isinstance(info.value.body, dict) and "message" in info.value.body["error"]
    assert len(fake.requests) == 1


async def test_status_on_stream_request_raises_before_streaming(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Status(429, retry_after=3, body={"error": {"message": "slow down", "type": "requests"}}))
    with pytest.raises(groq.RateLimitError) as info:
        await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    assert info.value.response.headers["retry-after"] == "3"
    assert info.value.body == {"error": {"message": "slow down", "type": "requests"}}


@pytest.mark.parametrize("stream", [False, True])
async def test_slow_reply_times_out(fake: FakeGroq, stream: bool) -> None:
    fake.enqueue(Slow(2, Text("too late")))
    async with AsyncGroq(api_key="test", base_url=fake.url, max_retries=0, timeout=0.5) as sdk:
        started = time.monotonic()
        with pytest.raises(groq.APITimeoutError):
            await sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=stream)  # type: ignore[arg-type]
    assert time.monotonic() - started < 1.5


async def test_slow_within_timeout_answers(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(Slow(0.1, Text("worth the wait")))
    resp = await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert resp.choices[0].message.content == "worth the wait"


async def test_slow_stream_spaces_out_chunks(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(SlowStream("a b c d", delay_per_chunk=0.05))
    stream = await client.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
    started = time.monotonic()
    text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
    assert text == "a b c d"
    assert time.monotonic() - started >= 0.2


# --------------------------------------------------------------------------- recording and scripting


async def test_requests_are_recorded(fake: FakeGroq, client: AsyncGroq) -> None:
    await client.chat.completions.create(model=MODEL, messages=MESSAGES, temperature=0.2)  # type: ignore[arg-type]
    [rec] = fake.requests
    assert rec.path == CHAT_PATH and rec.method == "POST"
    assert rec.body["model"] == MODEL
    assert rec.body["messages"] == MESSAGES
    assert rec.body["temperature"] == 0.2
    assert rec.headers["authorization"] == "Bearer test"
    assert rec.headers["content-type"].startswith("application/json")


async def test_default_rules_responder_and_reset(fake: FakeGroq, client: AsyncGroq) -> None:
    async def ask(text: str) -> str | None:
        resp = await client.chat.completions.create(model=MODEL, messages=[{"role": "user", "content": text}])
        return resp.choices[0].message.content

    assert await ask("anything") == "OK"
    fake.responder = lambda body: Text("echo: " + body["messages"][-1]["content"])
    fake.when(lambda body: "pizza" in body["messages"][-1]["content"], Text("We have Margherita."))
    fake.when(
        lambda body: "menu" in body["messages"][-1]["content"], lambda body: Text(f"menu via {body['model']}")
    )
    fake.enqueue(Text("queued first"))
    assert await ask("pizza please") == "queued first"
    assert await ask("pizza please") == "We have Margherita."
    assert await ask("the menu") == f"menu via {MODEL}"
    assert await ask("hi") == "echo: hi"
    assert fake.pending == 0

    fake.enqueue(Text("never used"))
    fake.reset()
    assert fake.requests == [] and fake.pending == 0
    assert await ask("pizza please") == "OK"


async def test_concurrent_requests_each_consume_one_reply(fake: FakeGroq, client: AsyncGroq) -> None:
    fake.enqueue(*(Slow(0.05, Text(f"reply {i}")) for i in range(8)))
    results = await asyncio.gather(
        *(client.chat.completions.create(model=MODEL, messages=MESSAGES) for _ in range(8))  # type: ignore[arg-type]
    )
    assert sorted(r.choices[0].message.content or "" for r in results) == sorted(
        f"reply {i}" for i in range(8)
    )
    assert len(fake.requests) == 8


async def test_broken_responder_gives_500_and_is_recorded(fake: FakeGroq, client: AsyncGroq) -> None:
    def boom(body: dict[str, Any]) -> Text:
        raise ValueError("boom")

    fake.responder = boom
    with pytest.raises(groq.InternalServerError):
        await client.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
    assert [type(e) for e in fake.errors] == [ValueError]


async def test_models_list(fake: FakeGroq, client: AsyncGroq) -> None:
    page = await client.models.list()
    ModelListResponse.model_validate(page.to_dict())
    assert MODEL in [m.id for m in page.data]
    assert fake.requests[-1].path == "/openai/v1/models" and fake.requests[-1].method == "GET"


def test_sync_client_works_too(fake: FakeGroq) -> None:
    fake.enqueue(Text("sync hello"), Text("sync stream hello"))
    with Groq(api_key="test", base_url=fake.url, max_retries=0, timeout=5) as sdk:
        resp = sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
        assert resp.choices[0].message.content == "sync hello"
        stream = sdk.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)  # type: ignore[arg-type]
        assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "sync stream hello"


def test_stop_is_prompt_with_pending_slow_reply() -> None:
    with FakeGroq() as server:
        server.enqueue(Slow(30, Text("never")))
        with Groq(api_key="test", base_url=server.url, max_retries=0, timeout=0.2) as sdk:
            with pytest.raises(groq.APITimeoutError):
                sdk.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]
        started = time.monotonic()
    assert time.monotonic() - started < 2
