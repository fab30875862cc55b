"""Prometheus metrics of the backend and the token-protected GET /metrics that serves them.

HTTP metrics (requests, responses by status and view, latency, exceptions) come from
django-prometheus's middleware under its usual ``django_http_*`` names; the business metrics below
use the prefix ``restaurant_backend_``. Counters end in ``_total`` and every label takes one of a
small fixed set of values (no order, customer or conversation ids).

GET /metrics itself is apps.common.metrics_endpoint. Under gunicorn each worker is a process of its own: gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR
before the workers start, prometheus_client then keeps the values in files there, and the view
adds up all workers' files (MultiProcessCollector). Without it (runserver, tests) the process's own
registry is served.

PromQL the dashboard uses:
  orders per hour by fulfilment  sum by (fulfilment) (increase(restaurant_backend_orders_placed_total[1h]))
  payment success rate           sum(rate(restaurant_backend_payments_total{outcome="succeeded"}[1h]))
                                 / sum(rate(restaurant_backend_payments_total{outcome=~"succeeded|failed"}[1h]))
  API errors by code             sum by (code) (rate(restaurant_backend_api_errors_total[5m]))
  median time to claim a handoff histogram_quantile(0.5, sum by (le) (rate(restaurant_backend_handoff_time_to_claim_seconds_bucket[1d])))
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from django.db import transaction
from prometheus_client import Counter, Histogram

ORDERS_PLACED = Counter(
    "restaurant_backend_orders_placed_total", "Orders placed", ["fulfilment"]
)  # pickup | delivery
ORDER_STATUS_CHANGES = Counter(
    "restaurant_backend_order_status_changes_total", "Order status changes, by the new status", ["status"]
)
PAYMENTS = Counter(
    "restaurant_backend_payments_total",
    "Payment outcomes (a failed attempt that later succeeds counts once for each)",
    ["method", "outcome"],
)  # outcome: succeeded | failed | refunded | cancelled
API_ERRORS = Counter(
    "restaurant_backend_api_errors_total", "Error responses of the API, by error code", ["code"]
)
HANDOFFS = Counter(
    "restaurant_backend_handoffs_total", "Requests for a person, by step", ["step"]
)  # requested | claimed | resolved (handed back) | abandoned (asked outside opening hours)
HANDOFF_STEPS = ("requested", "claimed", "resolved", "abandoned")
HANDOFF_TIME_TO_CLAIM = Histogram(
    "restaurant_backend_handoff_time_to_claim_seconds",
    "From a guest's request for a person to a claim",
    buckets=(15, 30, 60, 120, 300, 600, 1200, 3600),
)
HANDOFF_TIME_HELD = Histogram(
    "restaurant_backend_handoff_time_held_seconds",
    "From a claim to the hand-back to the assistant",
    buckets=(30, 60, 120, 300, 600, 1200, 1800, 3600),
)

# Error codes are literals in the code (apps/common/errors.py); anything else is folded into "other"
# so that a label can never carry free text.
_CODE = re.compile(r"[a-z][a-z0-9_]{0,47}")


def _after_commit(fn: Callable[[], Any]) -> None:
    """Count once the change is committed (at once outside a transaction); a rollback counts nothing."""
    transaction.on_commit(fn, robust=True)


def count_status_change(sender: Any, *, order: Any, previous: str | None, status: str, **kwargs: Any) -> None:
    """Receiver of apps.ordering.signals.order_status_changed (connected in apps.common.apps)."""
    fulfilment = str(order.fulfilment)

    def count() -> None:
        ORDER_STATUS_CHANGES.labels(status=str(status)).inc()
        if previous is None:
            ORDERS_PLACED.labels(fulfilment=fulfilment).inc()

    _after_commit(count)


def payment_outcome(method: str, outcome: str) -> None:
    """A payment reached an outcome (apps.payments.services)."""
    _after_commit(lambda: PAYMENTS.labels(method=str(method), outcome=str(outcome)).inc())


def handoff_step(step: str, seconds: float | None = None) -> None:
    """A handoff took a step (apps.support); `seconds`: time to claim (claimed) or time held (resolved)."""

    def count() -> None:
        HANDOFFS.labels(step=step).inc()
        if seconds is not None and step == "claimed":
            HANDOFF_TIME_TO_CLAIM.observe(seconds)
        elif seconds is not None and step == "resolved":
            HANDOFF_TIME_HELD.observe(seconds)

    _after_commit(count)


def api_error(code: str) -> None:
    """An API error response in the contract's shape was sent (apps.common.errors.exception_handler).
    Counted at once: the handler rolls the request's transaction back."""
    API_ERRORS.labels(code=code if _CODE.fullmatch(code or "") else "other").inc()


def initialise_labels(
    fulfilments: Iterable[str],
    statuses: Iterable[str],
    payment_methods: Iterable[str],
    payment_outcomes: Iterable[str],
) -> None:
    """Show every known series from the start at 0 (apps.common.apps.ready passes the models' values),
    so that rates and ratios exist before the first order, payment or error."""
    for fulfilment in fulfilments:
        ORDERS_PLACED.labels(fulfilment=fulfilment)
    for status in statuses:
        ORDER_STATUS_CHANGES.labels(status=status)
    outcomes = [str(outcome) for outcome in payment_outcomes]
    for method in payment_methods:
        for outcome in outcomes:
            PAYMENTS.labels(method=method, outcome=outcome)
    for step in HANDOFF_STEPS:
        HANDOFFS.labels(step=step)
