"""Reading Rasa's tracker store: the incremental per-conversation summary and one conversation's turns."""
from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterable

from django.db import connections, transaction

from .router import TRACKER_ALIAS
from .models import ConversationSummary, SyncState, TurnCorrection

FALLBACK_INTENTS = {"nlu_fallback"}
FALLBACK_ACTIONS = {"action_default_fallback", "action_free_form"}
HANDOFF_ACTIONS = {"action_handoff"}
BATCH = 20000


def tracker_rows(sql: str, params: Iterable[Any] = ()) -> list[tuple]:
    with connections[TRACKER_ALIAS].cursor() as cursor:
        cursor.execute(sql, list(params))
        return cursor.fetchall()


def _merge(summary: ConversationSummary, row: tuple) -> None:
    event_id, _sender, type_name, ts, intent, action, data = row
    summary.max_event_id = max(summary.max_event_id, event_id)
    if ts is not None:
        summary.first_ts = ts if summary.first_ts is None else min(summary.first_ts, ts)
        summary.last_ts = ts if summary.last_ts is None else max(summary.last_ts, ts)
    if type_name == "user":
        payload = json.loads(data or "{}")
        summary.turns += 1
        if not summary.channel and payload.get("input_channel"):
            summary.channel = payload["input_channel"][:64]
        if not summary.first_text:
            summary.first_text = (payload.get("text") or "")[:300]
        conf = ((payload.get("parse_data") or {}).get("intent") or {}).get("confidence")
        if conf is not None:
            summary.min_confidence = conf if summary.min_confidence is None else min(summary.min_confidence, conf)
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
        value = json.loads(data or "{}").get("value")
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
            existing = {s.sender_id: s for s in ConversationSummary.objects.filter(sender_id__in=list(by_sender))}
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
                    ["first_ts", "last_ts", "channel", "turns", "min_confidence", "has_fallback", "has_handoff",
                     "placed", "cart_set", "intents", "actions", "first_text", "max_event_id"],
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
        payload = json.loads(data or "{}")
        item: dict[str, Any] = {"id": event_id, "type": type_name, "timestamp": ts}
        if type_name == "session_started":
            item["kind"] = "session"
        elif type_name == "user":
            parse = payload.get("parse_data") or {}
            ranking = parse.get("intent_ranking") or []
            top = parse.get("intent") or {}
            runner = next((r for r in ranking if r.get("name") != top.get("name")), None)
            item.update(
                kind="user", text=payload.get("text") or "", intent=top.get("name") or intent,
                confidence=top.get("confidence"), runner_up=runner,
                entities=[{k: e.get(k) for k in ("entity", "value", "start", "end", "role", "group")}
                          for e in parse.get("entities") or []],
                channel=payload.get("input_channel"), metadata=payload.get("metadata") or {},
            )
            fix = corrections.get(event_id)
            if fix:
                item.update(corrected=True, original_intent=item["intent"], intent=fix.intent, entities=fix.entities)
        elif type_name == "action":
            if action == "action_listen":
                continue
            item.update(kind="action", name=action, policy=payload.get("policy"), confidence=payload.get("confidence"))
        elif type_name == "bot":
            meta = payload.get("metadata") or {}
            data_ = payload.get("data") or {}
            custom = data_.get("custom") if isinstance(data_.get("custom"), dict) else {}
            llm = any(bool(d.get("llm_generated")) for d in (meta, data_, custom or {}))
            context = meta.get("retrieved_context") or data_.get("retrieved_context") or (custom or {}).get("retrieved_context")
            item.update(kind="bot", text=payload.get("text") or "", llm_generated=llm, context=context)
        elif type_name == "slot":
            item.update(kind="slot", name=action or payload.get("name"), value=payload.get("value"))
        elif type_name == "active_loop":
            item.update(kind="loop", name=action or payload.get("name"))
        else:
            continue
        items.append(item)
    return items
