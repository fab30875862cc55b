"""Token and cost accounting, per conversation and in total."""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from llm import metrics

if TYPE_CHECKING:
    from llm.budget import DailyBudget

logger = logging.getLogger(__name__)


@dataclass
class Usage:
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: Decimal = field(default_factory=lambda: Decimal(0))

    def add(self, other: Usage) -> None:
        self.requests += other.requests
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cost_usd += other.cost_usd

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "cost_usd": str(self.cost_usd),
        }


class UsageLedger:
    """Adds up what Groq reports. Keeps the most recent conversations only (bounded memory)."""

    def __init__(
        self,
        prices: dict[str, tuple[Decimal, Decimal]],
        *,
        max_conversations: int = 10_000,
        budget: DailyBudget | None = None,
    ) -> None:
        self._prices = prices
        self.budget = budget
        self._max_conversations = max_conversations
        self.total = Usage()
        self.by_model: dict[str, Usage] = {}
        self._conversations: OrderedDict[str, Usage] = OrderedDict()

    def cost(self, model: str, prompt_tokens: int, completion_tokens: int) -> Decimal:
        if model in self._prices:
            per_input, per_output = self._prices[model]
        else:
            # the configured models are priced at start (llm/config.py); another name is Groq's answer
            # naming a model differently: costed at the dearest known prices, so the daily budget
            # still stops the spending, never at 0
            per_input = max((price[0] for price in self._prices.values()), default=Decimal(0))
            per_output = max((price[1] for price in self._prices.values()), default=Decimal(0))
            logger.warning("no price for model %s; costed at the dearest known prices", model)
        return per_input * prompt_tokens + per_output * completion_tokens

    def record(
        self, model: str, prompt_tokens: int, completion_tokens: int, conversation_id: str | None = None
    ) -> Usage:
        usage = Usage(1, prompt_tokens, completion_tokens, self.cost(model, prompt_tokens, completion_tokens))
        metrics.LLM_REQUESTS.labels(model).inc()
        metrics.LLM_TOKENS.labels(model, "prompt").inc(prompt_tokens)
        metrics.LLM_TOKENS.labels(model, "completion").inc(completion_tokens)
        metrics.LLM_COST.labels(model).inc(float(usage.cost_usd))
        if self.budget is not None:
            self.budget.add(usage.cost_usd)
        self.total.add(usage)
        self.by_model.setdefault(model, Usage()).add(usage)
        if conversation_id:
            entry = self._conversations.pop(conversation_id, None) or Usage()
            entry.add(usage)
            self._conversations[conversation_id] = entry
            while len(self._conversations) > self._max_conversations:
                self._conversations.popitem(last=False)
        return usage

    def conversation(self, conversation_id: str) -> Usage:
        return self._conversations.get(conversation_id, Usage())
