"""Prometheus metrics of the action server, served at /metrics. One prefix, counters end in
_total, durations in seconds, and no label carries a conversation, user or other unbounded value.

PromQL the README and dashboard use:
  order success rate   sum(rate(restaurant_assistant_orders_placed_total[1h]))
                       / sum(rate(restaurant_assistant_checkouts_started_total[1h]))
  fallback rate        sum(rate(restaurant_assistant_fallbacks_total[1h]))
                       / sum(rate(restaurant_assistant_user_messages_total[1h]))
  handoff rate         sum(rate(restaurant_assistant_handoffs_total[1h]))
                       / sum(rate(restaurant_assistant_conversations_started_total[1h]))
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Histogram

# The `channel` label's values. A REST client names its own input channel (Rasa stores the body's
# `input_channel` as is), so any other name counts as "other" rather than opening a new series.
CHANNELS = frozenset({"rest", "socketio", "cmdline", "collector"})
UNKNOWN_CHANNEL, OTHER_CHANNEL = "unknown", "other"

CONVERSATIONS = Counter(
    "restaurant_assistant_conversations_started_total", "Conversations started", ["channel"]
)
USER_MESSAGES = Counter("restaurant_assistant_user_messages_total", "Guest messages handled", ["channel"])
CHECKOUTS = Counter("restaurant_assistant_checkouts_started_total", "Checkouts started")
ORDERS = Counter("restaurant_assistant_orders_placed_total", "Orders placed through the chat")
ABANDONED = Counter(
    "restaurant_assistant_checkouts_abandoned_total", "Checkouts declined or cancelled before the order"
)
FALLBACKS = Counter(
    "restaurant_assistant_fallbacks_total", "Turns the assistant could not place", ["kind"]
)  # nlu (free-form fallback), action (a service failed), unknown ("I don't know")
HANDOFFS = Counter("restaurant_assistant_handoffs_total", "Hand-overs to a person")
ACTION_DURATION = Histogram(
    "restaurant_assistant_action_duration_seconds",
    "Custom action run time",
    ["action"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10),
)
BACKEND_DURATION = Histogram(
    "restaurant_assistant_backend_request_duration_seconds",
    "Backend API call duration",
    ["method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)
BACKEND_ERRORS = Counter(
    "restaurant_assistant_backend_errors_total", "Backend calls that failed", ["kind"]
)  # unavailable (network or 5xx) | rejected (4xx)
RETRIEVAL_DURATION = Histogram(
    "restaurant_assistant_retrieval_duration_seconds",
    "Retrieval search duration",
    buckets=(0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2),
)


def channel_label(value: Any) -> str:
    """A channel name as a label value: one of CHANNELS, "unknown" when none is given, else "other"."""
    if value is None or value == "":
        return UNKNOWN_CHANNEL
    return value if isinstance(value, str) and value in CHANNELS else OTHER_CHANNEL
