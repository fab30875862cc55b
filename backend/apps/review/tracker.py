"""Reading Rasa's tracker store: the incremental per-conversation summary and one conversation's turns.

Event JSON is read defensively: a REST client decides much of what a user event holds (Rasa stores
`"input_channel": 1` from a request body as is), so every field is checked for its type and size
here, and what does not fit reads as missing. One odd event never takes the review tool down.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connections, transaction

from .models import ConversationSummary, SyncState, TurnCorrection
from .router import TRACKER_ALIAS

FALLBACK_INTENTS = {"nlu_fallback"}
FALLBACK_ACTIONS = {"action_default_fallback", "action_free_form"}
HANDOFF_ACTIONS = {"action_handoff"}
BATCH = 20000
NAME_CHARS = 255  # intent, action, slot, policy and entity names
TEXT_CHARS = 5000  # a message as the review screens show it (the chat channels take 2,000)
CONTEXT_CHARS = 20000  # retrieved context or a slot value, as JSON, on the conversation page


def payload_of(data: Any) -> dict[str, Any]:
    """An event's JSON object; bad JSON, null, a list or a number read as an empty event."""
    if not isinstance(data, (str, bytes)):
        return {}
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: arrays nested thousands deep
        return {}
    return value if isinstance(value, dict) else {}


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_text(value: Any, limit: int = TEXT_CHARS) -> str:
    """A string field cut to `limit`; a number, list, dict or null where a string belongs reads as empty."""
    return value[:limit] if isinstance(value, str) else ""


def as_number(value: Any) -> float | None:
    """A finite number as a float; a string, null, NaN, infinity or an int too big for a float is None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) else None


def as_value(value: Any) -> Any:
    """An entity's value: text cut to TEXT_CHARS; a dict or list (Duckling's times) kept while it is small."""
    if isinstance(value, str):
        return as_text(value)
    if isinstance(value, (dict, list)):
        encoded = json.dumps(value)
        return value if len(encoded) <= TEXT_CHARS else encoded[:TEXT_CHARS]
    return value


def as_offset(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def entity_of(value: Any) -> dict[str, Any] | None:
    """One extracted entity with a string name, whole-number span (both ends or neither) and a JSON value."""
    entity = as_dict(value)
    name = as_text(entity.get("entity"), NAME_CHARS)
    if not name:
        return None
    start, end = as_offset(entity.get("start")), as_offset(entity.get("end"))
    if start is None or end is None or end < start:
        start = end = None
    return {
        "entity": name,
        "value": as_value(entity.get("value")),
        "start": start,
        "end": end,
        "role": as_text(entity.get("role"), NAME_CHARS) or None,
        "group": as_text(entity.get("group"), NAME_CHARS) or None,
    }


def ranked_intent(value: Any) -> dict[str, Any]:
    """An intent as {"name": str, "confidence": float | None}; anything else reads as no intent."""
    intent = as_dict(value)
    return {
        "name": as_text(intent.get("name"), NAME_CHARS),
        "confidence": as_number(intent.get("confidence")),
    }


def parse_of(payload: dict[str, Any]) -> dict[str, Any]:
    """What the NLU made of a user event: top intent, ranking and entities, each well typed."""
    parse = as_dict(payload.get("parse_data"))
    return {
        "intent": ranked_intent(parse.get("intent")),
        "intent_ranking": [
            ranked_intent(r) for r in as_list(parse.get("intent_ranking")) if isinstance(r, dict)
        ],
        "entities": [e for e in map(entity_of, as_list(parse.get("entities"))) if e],
    }


def tracker_rows(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    with connections[TRACKER_ALIAS].cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _merge(summary: ConversationSummary, row: tuple) -> None:
    event_id, _sender, type_name, ts, intent, action, data = row
    intent, action, ts = as_text(intent, NAME_CHARS), as_text(action, NAME_CHARS), as_number(ts)
    summary.max_event_id = max(summary.max_event_id, event_id)
    if ts is not None:
        summary.first_ts = ts if summary.first_ts is None else min(summary.first_ts, ts)
        summary.last_ts = ts if summary.last_ts is None else max(summary.last_ts, ts)
    if type_name == "user":
        payload = payload_of(data)
        summary.turns += 1
        if not summary.channel:
            summary.channel = as_text(payload.get("input_channel"), 64)
        if not summary.first_text:
            summary.first_text = as_text(payload.get("text"), 300)
        conf = parse_of(payload)["intent"]["confidence"]
        if conf is not None:
            summary.min_confidence = (
                conf if summary.min_confidence is None else min(summary.min_confidence, conf)
            )
        if intent:
            if f"|{intent}|" not in summary.intents:
                summary.intents += f"{intent}|"
            if intent in FALLBACK_INTENTS:
                summary.has_fallback = True
    elif type_name == "action" and action:
        if f"|{action}|" not in summary.actions:
            summary.actions += f"{action}|"
        if action in FALLBACK_ACTIONS:
            summary.has_fallback = True
        if action in HANDOFF_ACTIONS:
            summary.has_handoff = True
        if action == "action_place_order":
            summary.placed = True
    elif type_name == "slot" and action:
        value = payload_of(data).get("value")
        if action == "checkout_stage" and value == "placed":
            summary.placed = True
        if action == "cart_id" and value:
            summary.cart_set = True


def refresh_summaries() -> int:
    """Folds tracker events newer than the last seen id into the summary table; returns events read."""
    state, _ = SyncState.objects.get_or_create(key="events_max_id")
    seen = 0
    while True:
        rows = tracker_rows(
            "SELECT id, sender_id, type_name, timestamp, intent_name, action_name, "
            "CASE WHEN type_name IN ('user', 'slot') THEN data ELSE NULL END "
            "FROM events WHERE id > %s ORDER BY id LIMIT %s",
            [state.value, BATCH],
        )
        if not rows:
            return seen
        by_sender: dict[str, list[tuple]] = defaultdict(list)
        for row in rows:
            by_sender[row[1]].append(row)
        with transaction.atomic():
            existing = {
                s.sender_id: s for s in ConversationSummary.objects.filter(sender_id__in=list(by_sender))
            }
            new, changed = [], []
            for sender, sender_rows in by_sender.items():
                summary = existing.get(sender)
                if summary is None:
                    summary = ConversationSummary(sender_id=sender)
                    new.append(summary)
                else:
                    changed.append(summary)
                for row in sender_rows:
                    _merge(summary, row)
            ConversationSummary.objects.bulk_create(new, batch_size=1000)
            if changed:
                ConversationSummary.objects.bulk_update(
                    changed,
                    [
                        "first_ts",
                        "last_ts",
                        "channel",
                        "turns",
                        "min_confidence",
                        "has_fallback",
                        "has_handoff",
                        "placed",
                        "cart_set",
                        "intents",
                        "actions",
                        "first_text",
                        "max_event_id",
                    ],
                    batch_size=500,
                )
            state.value = rows[-1][0]
            state.save(update_fields=["value"])
        seen += len(rows)
        if len(rows) < BATCH:
            return seen


def load_conversation(sender_id: str) -> list[dict]:
    """The conversation as display items, in event order, with any reviewer corrections applied."""
    rows = tracker_rows(
        "SELECT id, type_name, timestamp, intent_name, action_name, data FROM events "
        "WHERE sender_id = %s ORDER BY id",
        [sender_id],
    )
    corrections = {c.event_id: c for c in TurnCorrection.objects.filter(sender_id=sender_id)}
    items: list[dict] = []
    for event_id, type_name, ts, intent, action, data in rows:
        item = _display_item(
            type_name, as_text(intent, NAME_CHARS), as_text(action, NAME_CHARS), payload_of(data)
        )
        if item is None:
            continue
        item.update(id=event_id, type=type_name, timestamp=as_number(ts))
        fix = corrections.get(event_id)
        if fix and item["kind"] == "user":
            item.update(
                corrected=True, original_intent=item["intent"], intent=fix.intent, entities=fix.entities
            )
        items.append(item)
    return items


def _display_item(type_name: str, intent: str, action: str, payload: dict[str, Any]) -> dict[str, Any] | None:
    """One event as the conversation page shows it, every field of the type the page expects."""
    if type_name == "session_started":
        return {"kind": "session"}
    if type_name == "user":
        parse = parse_of(payload)
        top = parse["intent"]
        runner = next((r for r in parse["intent_ranking"] if r["name"] and r["name"] != top["name"]), None)
        return {
            "kind": "user",
            "text": as_text(payload.get("text")),
            "intent": top["name"] or intent,
            "confidence": top["confidence"],
            "runner_up": runner,
            "entities": [
                {k: e[k] for k in ("entity", "value", "start", "end", "role", "group")}
                for e in parse["entities"]
            ],
            "channel": as_text(payload.get("input_channel"), 64),
            "metadata": as_dict(payload.get("metadata")),
        }
    if type_name == "action":
        if action == "action_listen":
            return None
        return {
            "kind": "action",
            "name": action,
            "policy": as_text(payload.get("policy"), NAME_CHARS),
            "confidence": as_number(payload.get("confidence")),
        }
    if type_name == "bot":
        meta, data = as_dict(payload.get("metadata")), as_dict(payload.get("data"))
        custom = as_dict(data.get("custom"))
        llm = any(bool(d.get("llm_generated")) for d in (meta, data, custom))
        context = (
            meta.get("retrieved_context") or data.get("retrieved_context") or custom.get("retrieved_context")
        )
        # a person's words in the chat (apps/support/takeover.py); guests cannot set these keys
        staff = as_text(meta.get("staff"), 64) if meta.get("human") is True else ""
        return {
            "kind": "bot",
            "text": as_text(payload.get("text")),
            "llm_generated": llm,
            "context": context,
            "human": bool(staff),
            "staff": staff,
        }
    if type_name == "slot":
        return {
            "kind": "slot",
            "name": action or as_text(payload.get("name"), NAME_CHARS),
            "value": payload.get("value"),
        }
    if type_name == "active_loop":
        return {"kind": "loop", "name": action or as_text(payload.get("name"), NAME_CHARS)}
    return None
