"""Prometheus metrics of the LLM client (prefix restaurant_assistant_, base units, low cardinality)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LLM_REQUESTS = Counter(
    "restaurant_assistant_llm_requests_total", "LLM requests that got an answer", ["model"]
)
LLM_ERRORS = Counter(
    "restaurant_assistant_llm_errors_total", "LLM turns answered offline, by reason", ["reason"]
)  # offline, circuit_open, rate_limited, timeout, error
LLM_DURATION = Histogram(
    "restaurant_assistant_llm_request_duration_seconds",
    "LLM request duration",
    ["model"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16),
)
LLM_TOKENS = Counter(
    "restaurant_assistant_llm_tokens_total", "LLM tokens", ["model", "direction"]
)  # prompt|completion
LLM_COST = Counter(
    "restaurant_assistant_llm_cost_usd_total", "Estimated LLM spend at list prices, US dollars", ["model"]
)
LLM_CACHE = Counter(
    "restaurant_assistant_llm_cache_requests_total", "Answer cache lookups", ["result"]
)  # hit|miss
LLM_BUDGET_SPENT = Gauge(
    "restaurant_assistant_llm_budget_spent_usd", "LLM spend so far today (UTC), US dollars"
)
LLM_BUDGET_EXHAUSTED = Gauge(
    "restaurant_assistant_llm_budget_exhausted", "1 while the daily LLM budget is used up (alert on it)"
)
