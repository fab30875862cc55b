"""The owner's figures, read from Rasa's tracker store (through the review app's read-only "tracker"
alias and its ``tracker_rows`` helper) and from the backend's orders.

Days are UTC calendar days. Counting is aggregated in SQL where the tracker schema allows it (per-day
conversations and the funnel are single GROUP BY queries); event JSON is only parsed in Python for the
few rows that need it (bot replies carrying ``llm_cost_usd``, "I don't know" replies, fallbacks).
The review app's ConversationSummary is not used: it holds one row per conversation without event
times or the ``next_flow`` slot, so it cannot split a range by day or tell the checkout step.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connections
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import NoReverseMatch, reverse

from apps.ordering.models import Order
from apps.review.masking import mask
from apps.review.nlu import normalise
from apps.review.router import TRACKER_ALIAS
from apps.review.tracker import FALLBACK_ACTIONS, FALLBACK_INTENTS, tracker_rows
from apps.support.models import Handoff

UTC = dt.timezone.utc
COST_KEY = "llm_cost_usd"
IDK_PREFIXES = ("i don't know", "i don\u2019t know", "i do not know")
MENU_ACTIONS = ("action_show_menu", "action_recommend")
FUNNEL = [
    ("greet", "Greeted"),
    ("menu", "Saw the menu or a recommendation"),
    ("item", "Added an item"),
    ("checkout", "Started checkout"),
    ("placed", "Placed the order"),
]
TOP = 10


def _day_sql() -> str:
    if connections[TRACKER_ALIAS].vendor == "postgresql":
        return "to_char(to_timestamp(timestamp) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    return "date(timestamp, 'unixepoch')"


def _ts(day: dt.date) -> float:
    return dt.datetime.combine(day, dt.time(), tzinfo=UTC).timestamp()


def _json(data: str | None) -> dict:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def bot_cost(payload: dict) -> Decimal:
    """``llm_cost_usd`` (a decimal string) from a bot event's metadata (or its data/custom, as the review tool reads)."""
    data = payload.get("data") if isinstance(payload.get("data"), dict) else {}
    custom = data.get("custom") if isinstance(data.get("custom"), dict) else {}
    for place in (payload.get("metadata") or {}, data, custom):
        value = place.get(COST_KEY) if isinstance(place, dict) else None
        if value is not None and not isinstance(value, bool):
            try:
                return Decimal(str(value))
            except InvalidOperation:
                return Decimal("0")
    return Decimal("0")


def conversation_url(sender_id: str) -> str:
    try:
        return reverse("review:conversation", args=[sender_id])
    except NoReverseMatch:
        return ""


@dataclass
class Day:
    day: dt.date
    conversations: int = 0
    orders: int = 0
    revenue: Decimal = Decimal("0.00")
    cost: Decimal = Decimal("0")

    @property
    def cost_per_order(self) -> Decimal | None:
        return (self.cost / self.orders) if self.orders else None


@dataclass
class Figures:
    start: dt.date
    end: dt.date
    days: list[Day] = field(default_factory=list)
    conversations: int = 0
    funnel: list[dict[str, Any]] = field(default_factory=list)
    unanswered: list[dict[str, Any]] = field(default_factory=list)
    fallbacks: list[dict[str, Any]] = field(default_factory=list)
    handoffs: list[HandoffDay] = field(default_factory=list)

    @property
    def orders(self) -> int:
        return sum(d.orders for d in self.days)

    @property
    def revenue(self) -> Decimal:
        return sum((d.revenue for d in self.days), Decimal("0.00"))

    @property
    def cost(self) -> Decimal:
        return sum((d.cost for d in self.days), Decimal("0"))

    @property
    def cost_per_order(self) -> Decimal | None:
        return (self.cost / self.orders) if self.orders else None

    def chart_data(self) -> dict[str, Any]:
        return {
            "labels": [d.day.isoformat() for d in self.days],
            "conversations": [d.conversations for d in self.days],
            "orders": [d.orders for d in self.days],
            "revenue": [float(d.revenue) for d in self.days],
            "cost": [float(d.cost) for d in self.days],
            "cost_per_order": [float(d.cost_per_order) if d.orders else None for d in self.days],
            "funnel_labels": [f["label"] for f in self.funnel],
            "funnel": [f["count"] for f in self.funnel],
        }


def chat_orders(start: dt.date, end: dt.date) -> dict[dt.date, tuple[int, Decimal]]:
    """Orders placed via chat (with a conversation id, not cancelled or rejected) and their totals, per UTC day."""
    lo = dt.datetime.combine(start, dt.time(), tzinfo=UTC)
    hi = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tzinfo=UTC)
    rows = (
        Order.objects.filter(created_at__gte=lo, created_at__lt=hi)
        .exclude(conversation_id="")
        .exclude(status__in=[Order.Status.CANCELLED, Order.Status.REJECTED])
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("id"), revenue=Sum("total"))
        .order_by("day")
    )
    return {r["day"]: (r["n"], r["revenue"] or Decimal("0.00")) for r in rows}


@dataclass
class HandoffDay:
    """Requests for a person on one UTC day, each step counted on the day it happened."""

    day: dt.date
    requested: int = 0
    claimed: int = 0
    resolved: int = 0
    abandoned: int = 0
    claim_seconds: list[float] = field(default_factory=list)
    held_seconds: list[float] = field(default_factory=list)

    @property
    def median_minutes_to_claim(self) -> float | None:
        return statistics.median(self.claim_seconds) / 60 if self.claim_seconds else None

    @property
    def median_minutes_held(self) -> float | None:
        return statistics.median(self.held_seconds) / 60 if self.held_seconds else None


def handoffs_per_day(start: dt.date, end: dt.date) -> list[HandoffDay]:
    """The live staff takeover's figures per day (the metrics' counters, from the rows that outlive restarts)."""
    days = {
        start + dt.timedelta(days=n): HandoffDay(start + dt.timedelta(days=n))
        for n in range((end - start).days + 1)
    }

    def on(moment: dt.datetime | None) -> HandoffDay | None:
        return days.get(moment.astimezone(UTC).date()) if moment else None

    lo = dt.datetime.combine(start, dt.time(), tzinfo=UTC) - dt.timedelta(
        days=1
    )  # claimed or closed a day later
    for handoff in Handoff.objects.filter(
        Q(created_at__gte=lo) | Q(claimed_at__gte=lo) | Q(closed_at__gte=lo)
    ):
        if (day := on(handoff.created_at)) is not None:
            day.requested += 1
            day.abandoned += handoff.status == Handoff.Status.ABANDONED
        if handoff.claimed_at and (day := on(handoff.claimed_at)) is not None:
            day.claimed += 1
            day.claim_seconds.append((handoff.claimed_at - handoff.created_at).total_seconds())
        if handoff.claimed_at and handoff.closed_at and (day := on(handoff.closed_at)) is not None:
            day.resolved += 1
            day.held_seconds.append((handoff.closed_at - handoff.claimed_at).total_seconds())
    return list(days.values())


def _per_day_conversations(lo: float, hi: float) -> tuple[dict[str, int], int]:
    day = _day_sql()
    rows = tracker_rows(
        f"SELECT {day} AS d, COUNT(DISTINCT sender_id) FROM events "
        "WHERE type_name = 'user' AND timestamp >= %s AND timestamp < %s GROUP BY d",
        [lo, hi],
    )
    total = tracker_rows(
        "SELECT COUNT(DISTINCT sender_id) FROM events WHERE type_name = 'user' AND timestamp >= %s AND timestamp < %s",
        [lo, hi],
    )[0][0]
    return {str(d): n for d, n in rows}, total or 0


def _per_day_cost(lo: float, hi: float) -> dict[str, Decimal]:
    day = _day_sql()
    out: dict[str, Decimal] = defaultdict(Decimal)
    for d, data in tracker_rows(
        f"SELECT {day}, data FROM events WHERE type_name = 'bot' AND timestamp >= %s AND timestamp < %s "
        "AND data LIKE %s",
        [lo, hi, f"%{COST_KEY}%"],
    ):
        out[str(d)] += bot_cost(_json(data))
    return out


def funnel(lo: float, hi: float) -> list[dict[str, Any]]:
    """Conversations (with a guest message in the range) reaching each step, from that range's events.

    A step counts when it happened at all, whatever came before (many guests order without greeting), so a
    later step can exceed an earlier one; the share is of all conversations in the range.
    """
    slot_is = "(type_name = 'slot' AND action_name = %s AND data LIKE %s)"
    sql = (
        "SELECT COUNT(*), SUM(g), SUM(m), SUM(i), SUM(c), SUM(p) FROM ("
        " SELECT sender_id,"
        "  MAX(CASE WHEN type_name = 'user' THEN 1 ELSE 0 END) AS talked,"
        "  MAX(CASE WHEN type_name = 'user' AND intent_name = 'greet' THEN 1 ELSE 0 END) AS g,"
        "  MAX(CASE WHEN type_name = 'action' AND action_name IN (%s, %s) THEN 1 ELSE 0 END) AS m,"
        "  MAX(CASE WHEN (type_name = 'action' AND action_name = 'action_add_order_line') OR"
        "   (type_name = 'slot' AND action_name = 'cart_id' AND data NOT LIKE %s) THEN 1 ELSE 0 END) AS i,"
        f"  MAX(CASE WHEN (type_name = 'action' AND action_name = 'action_start_checkout') OR {slot_is}"
        "   THEN 1 ELSE 0 END) AS c,"
        f"  MAX(CASE WHEN {slot_is} THEN 1 ELSE 0 END) AS p"
        " FROM events WHERE timestamp >= %s AND timestamp < %s GROUP BY sender_id"
        ") steps WHERE talked = 1"
    )
    params = [
        *MENU_ACTIONS,
        '%"value": null%',
        "next_flow",
        '%"value": "checkout_form"%',
        "checkout_stage",
        '%"value": "placed"%',
        lo,
        hi,
    ]
    total, *counts = tracker_rows(sql, params)[0]
    total = total or 0
    steps = []
    for (key, label), count in zip(FUNNEL, counts, strict=False):
        count = int(count or 0)
        steps.append(
            {"key": key, "label": label, "count": count, "share": (100.0 * count / total) if total else 0.0}
        )
    return steps


def _group(items: list[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """(sender_id, guest text, kind) → groups by normalised text, most frequent first, texts masked."""
    groups: dict[str, dict[str, Any]] = {}
    for sender, text, kind in items:
        key = normalise(text)
        if not key:
            continue
        g = groups.setdefault(key, {"text": mask(text), "count": 0, "kinds": set(), "senders": []})
        g["count"] += 1
        g["kinds"].add(kind)
        if sender not in g["senders"]:
            g["senders"].append(sender)
    out = sorted(groups.values(), key=lambda g: (-g["count"], g["text"]))[:TOP]
    for g in out:
        g["kinds"] = ", ".join(sorted(g["kinds"]))
        g["links"] = [{"label": mask(s), "url": conversation_url(s)} for s in g["senders"][:5]]
    return out


PREVIOUS_USER = (
    "(SELECT u.data FROM events u WHERE u.sender_id = e.sender_id AND u.type_name = 'user' "
    "AND u.id < e.id ORDER BY u.id DESC LIMIT 1)"
)


def unanswered(lo: float, hi: float) -> list[dict[str, Any]]:
    """Guest turns answered "I don't know…" and guest turns the NLU could not place (``nlu_fallback``)."""
    items: list[tuple[str, str, str]] = []
    for sender, data, previous in tracker_rows(
        f"SELECT e.sender_id, e.data, {PREVIOUS_USER} FROM events e WHERE e.type_name = 'bot' "
        "AND e.timestamp >= %s AND e.timestamp < %s AND e.data LIKE %s ORDER BY e.id",
        [lo, hi, "%know%"],
    ):
        text = (_json(data).get("text") or "").strip().lower()
        if text.startswith(IDK_PREFIXES) and previous:
            items.append((sender, _json(previous).get("text") or "", "I don't know"))
    marks = ", ".join(["%s"] * len(FALLBACK_INTENTS))
    for sender, data in tracker_rows(
        f"SELECT sender_id, data FROM events WHERE type_name = 'user' AND intent_name IN ({marks}) "
        "AND timestamp >= %s AND timestamp < %s ORDER BY id",
        [*sorted(FALLBACK_INTENTS), lo, hi],
    ):
        items.append((sender, _json(data).get("text") or "", "nlu_fallback"))
    return _group(items)


def fallbacks(lo: float, hi: float) -> list[dict[str, Any]]:
    """Guest turns that ran a fallback action (the review tool's FALLBACK_ACTIONS), by the action's name."""
    marks = ", ".join(["%s"] * len(FALLBACK_ACTIONS))
    items = []
    for sender, action, previous in tracker_rows(
        f"SELECT e.sender_id, e.action_name, {PREVIOUS_USER} FROM events e WHERE e.type_name = 'action' "
        f"AND e.action_name IN ({marks}) AND e.timestamp >= %s AND e.timestamp < %s ORDER BY e.id",
        [*sorted(FALLBACK_ACTIONS), lo, hi],
    ):
        if previous:
            items.append((sender, _json(previous).get("text") or "", action))
    return _group(items)


def compute(start: dt.date, end: dt.date) -> Figures:
    lo, hi = _ts(start), _ts(end + dt.timedelta(days=1))
    per_day, total = _per_day_conversations(lo, hi)
    cost = _per_day_cost(lo, hi)
    orders = chat_orders(start, end)
    figures = Figures(start=start, end=end, conversations=total)
    day = start
    while day <= end:
        n, revenue = orders.get(day, (0, Decimal("0.00")))
        key = day.isoformat()
        figures.days.append(Day(day, per_day.get(key, 0), n, revenue, cost.get(key, Decimal("0"))))
        day += dt.timedelta(days=1)
    figures.funnel = funnel(lo, hi)
    figures.unanswered = unanswered(lo, hi)
    figures.fallbacks = fallbacks(lo, hi)
    figures.handoffs = handoffs_per_day(start, end)
    return figures
