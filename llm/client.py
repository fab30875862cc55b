"""Async Groq client with the guards a chat turn needs: timeouts, retries that honour Retry-After,
request/token rate limits, a circuit breaker and usage accounting. Knows nothing of Rasa.

Every failure surfaces as `LlmUnavailable`; callers then answer from templates (offline mode).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import groq
import httpx
from aiolimiter import AsyncLimiter
from circuitbreaker import CircuitBreaker
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
    wait_exponential_jitter,
)

from llm import metrics
from llm.budget import DailyBudget
from llm.config import LlmConfig
from llm.usage import UsageLedger

logger = logging.getLogger(__name__)

Message = dict[str, Any]


class LlmUnavailable(Exception):
    """The LLM cannot answer this turn. `reason`: offline, circuit_open, rate_limited, timeout, error."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class ToolCall:
    id: str
    name: str
    arguments: str  # raw JSON text, validated by the tool runner before use


@dataclass
class Completion:
    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    tool_calls: list[ToolCall] = field(default_factory=list)
    seconds: float = 0.0

    def assistant_message(self) -> Message:
        """The reply as a message to send back with tool results."""
        message: Message = {"role": "assistant", "content": self.text or None}
        if self.tool_calls:
            message["tool_calls"] = [
                {
                    "id": call.id,
                    "type": "function",
                    "function": {"name": call.name, "arguments": call.arguments},
                }
                for call in self.tool_calls
            ]
        return message


def estimate_tokens(messages: list[Message]) -> int:
    """About 4 characters per token plus a few per message (Groq's tokenizer is not available offline)."""
    total = 0
    for message in messages:
        content = message.get("content") or ""
        if not isinstance(content, str):
            content = json.dumps(content)
        total += 4 + math.ceil(len(content) / 4)
        for call in message.get("tool_calls") or []:
            total += math.ceil(len(json.dumps(call)) / 4)
    return total


def retry_after_seconds(error: BaseException) -> float | None:
    """The wait a 429/503 asks for, from `retry-after-ms` or `retry-after` (seconds)."""
    response = getattr(error, "response", None)
    if response is None:
        return None
    headers = response.headers
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue
    return None


def _counts_against_breaker(error_type: type[BaseException], error: BaseException) -> bool:
    # A bad request is our prompt's fault, not Groq being down. A stream's chunks are read by httpx
    # itself, so a stall or a dropped connection inside a stream is httpx's error, not the SDK's.
    if isinstance(error, LlmUnavailable) and error.__cause__ is not None:
        error = error.__cause__  # the request's failure, as _call reports it
    if isinstance(error, groq.BadRequestError):
        return False
    return isinstance(error, (groq.APIError, httpx.TimeoutException, httpx.TransportError))


class LlmClient:
    def __init__(
        self, config: LlmConfig, *, sdk: groq.AsyncGroq | None = None, ledger: UsageLedger | None = None
    ) -> None:
        self.config = config
        self._sdk = sdk
        self.ledger = ledger or UsageLedger(
            config.prices(),
            budget=DailyBudget(
                config.daily_budget_usd, path=config.spend_file, slowdown_fraction=config.budget_slowdown
            ),
        )
        self.breaker = CircuitBreaker(
            failure_threshold=config.breaker_failures,
            recovery_timeout=config.breaker_reset_seconds,
            expected_exception=_counts_against_breaker,
            name="groq",
        )
        self._request_limiter = AsyncLimiter(config.requests_per_minute, 60)
        self._token_limiter = AsyncLimiter(config.tokens_per_minute, 60)

    @property
    def sdk(self) -> groq.AsyncGroq:
        if self._sdk is None:
            assert self.config.api_key is not None
            self._sdk = groq.AsyncGroq(
                api_key=self.config.api_key.get_secret_value(),
                base_url=self.config.base_url,
                timeout=httpx.Timeout(
                    self.config.timeout_seconds, connect=min(2.0, self.config.timeout_seconds)
                ),
                max_retries=0,  # retries are ours: capped Retry-After, counted by the breaker
            )
        return self._sdk

    @property
    def status(self) -> str:
        if not self.config.online:
            return "offline"
        if self.ledger.budget is not None and self.ledger.budget.state == "exhausted":
            return "budget_exhausted"
        return "circuit_open" if self.breaker.opened else "online"

    @property
    def online(self) -> bool:
        return self.status == "online"

    def model_for(self, fast: bool) -> str:
        near_budget = self.ledger.budget is not None and self.ledger.budget.state != "ok"
        return self.config.fast_model if fast or near_budget else self.config.model

    async def complete(
        self,
        messages: list[Message],
        *,
        fast: bool = False,
        tools: list[dict[str, Any]] | None = None,
        json_mode: bool = False,
        conversation_id: str | None = None,
        max_tokens: int | None = None,
    ) -> Completion:
        model = self.model_for(fast)
        params = self._params(model, messages, max_tokens)
        if tools:
            params.update(tools=tools, tool_choice="auto")
        if json_mode:
            params["response_format"] = {"type": "json_object"}
        started = time.perf_counter()
        await self._ready(params)
        with self.breaker:  # one failed turn (after its retries) is one failure
            response = await self._call(params)
        choice = response.choices[0]
        usage = response.usage
        completion = Completion(
            text=(choice.message.content or "").strip(),
            model=model,
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
            tool_calls=[
                ToolCall(call.id, call.function.name, call.function.arguments or "{}")
                for call in (choice.message.tool_calls or [])
            ],
            seconds=time.perf_counter() - started,
        )
        self.ledger.record(model, completion.prompt_tokens, completion.completion_tokens, conversation_id)
        logger.info(
            "llm completion",
            extra={
                "conversation_id": conversation_id,
                "model": model,
                "prompt_tokens": completion.prompt_tokens,
                "completion_tokens": completion.completion_tokens,
                "seconds": round(completion.seconds, 3),
            },
        )
        return completion

    async def stream(
        self,
        messages: list[Message],
        *,
        fast: bool = False,
        conversation_id: str | None = None,
        max_tokens: int | None = None,
    ) -> AsyncIterator[str]:
        """Text deltas as Groq generates them; usage is recorded when the stream ends."""
        model = self.model_for(fast)
        params = self._params(model, messages, max_tokens)
        params.update(stream=True, extra_body={"stream_options": {"include_usage": True}})
        await self._ready(params)
        prompt_tokens = completion_tokens = 0
        received = 0
        chunks = None  # the stream, once Groq accepted the request (a refused one costs nothing)
        try:
            # one turn against the breaker: the request and every chunk after it (a stream that stalls
            # after its headers is a failure, not a success followed by something else)
            with self.breaker:
                chunks = await self._call(params)
                async for chunk in chunks:
                    usage = chunk.usage or (chunk.x_groq.usage if chunk.x_groq else None)
                    if usage:
                        prompt_tokens, completion_tokens = usage.prompt_tokens, usage.completion_tokens
                    if chunk.choices and chunk.choices[0].delta.content:
                        received += len(chunk.choices[0].delta.content)
                        yield chunk.choices[0].delta.content
        except (groq.APITimeoutError, httpx.TimeoutException) as error:
            raise LlmUnavailable("timeout", str(error)) from error
        except groq.APIError as error:
            raise LlmUnavailable("error", type(error).__name__) from error
        finally:
            if chunks is not None:
                if not (
                    prompt_tokens or completion_tokens
                ):  # interrupted before Groq's usage chunk: estimate
                    prompt_tokens, completion_tokens = estimate_tokens(messages), math.ceil(received / 4)
                self.ledger.record(model, prompt_tokens, completion_tokens, conversation_id)

    def _params(self, model: str, messages: list[Message], max_tokens: int | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "max_completion_tokens": max_tokens or self.config.max_completion_tokens,
        }
        if model.startswith("openai/gpt-oss"):
            params.update(reasoning_effort=self.config.reasoning_effort, include_reasoning=False)
        return params

    async def _ready(self, params: dict[str, Any]) -> None:
        """Refuse a call that must not go out (offline, budget, open circuit, local rate limit); outside
        the breaker, which counts only what Groq answered."""
        try:
            if not self.config.online:
                raise LlmUnavailable("offline")
            if self.status == "budget_exhausted":
                raise LlmUnavailable("budget_exhausted")
            if self.breaker.opened:
                raise LlmUnavailable("circuit_open")
            await self._admit(estimate_tokens(params["messages"]) + params["max_completion_tokens"])
        except LlmUnavailable as unavailable:
            metrics.LLM_ERRORS.labels(unavailable.reason).inc()
            raise

    async def _call(self, params: dict[str, Any]) -> Any:
        """The request, with retries; a failure leaves as LlmUnavailable (counted and logged)."""
        try:
            return await self._request(params)
        except LlmUnavailable as unavailable:
            metrics.LLM_ERRORS.labels(unavailable.reason).inc()
            raise

    async def _request(self, params: dict[str, Any]) -> Any:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.config.max_retries + 1)
            | stop_after_delay(self.config.timeout_seconds),
            wait=self._wait,
            retry=retry_if_exception(self._retryable),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt, metrics.LLM_DURATION.labels(params["model"]).time():
                    return await self.sdk.chat.completions.create(**params)
        except groq.RateLimitError as error:
            logger.warning("groq rate limited us (retry-after %s)", retry_after_seconds(error))
            raise LlmUnavailable("rate_limited", "429") from error
        except groq.APITimeoutError as error:
            logger.warning("groq timed out after %ss", self.config.timeout_seconds)
            raise LlmUnavailable("timeout") from error
        except groq.APIError as error:
            logger.warning("groq call failed: %s", type(error).__name__)
            raise LlmUnavailable("error", type(error).__name__) from error
        raise AssertionError("unreachable")  # pragma: no cover

    async def _admit(self, tokens: int) -> None:
        """Wait briefly for the request and token buckets; a turn never waits long for the LLM."""
        try:
            async with asyncio.timeout(self.config.rate_limit_wait_seconds):
                await self._request_limiter.acquire()
                await self._token_limiter.acquire(min(tokens, self.config.tokens_per_minute))
        except TimeoutError as error:
            logger.warning("llm rate limit reached locally; answering offline")
            raise LlmUnavailable("rate_limited", "local") from error

    def _retryable(self, error: BaseException) -> bool:
        if isinstance(error, groq.RateLimitError):
            wait = retry_after_seconds(error)
            return wait is None or wait <= self.config.max_retry_wait_seconds
        if isinstance(error, groq.APITimeoutError):
            return False  # the guest has already waited a full timeout
        return isinstance(error, (groq.InternalServerError, groq.APIConnectionError))

    @staticmethod
    def _wait(retry_state: RetryCallState) -> float:
        error = retry_state.outcome.exception() if retry_state.outcome else None
        asked = retry_after_seconds(error) if error else None
        if asked is not None:
            return asked
        return wait_exponential_jitter(multiplier=0.2, max=2.0, jitter=0.2)(retry_state)
