"""Outcomes per conversation, read from Rasa's SQL tracker store (table ``events``).

Joins each conversation (sender_id) to its arms through the LAST ``experiment_arms`` slot event.
What is measured, per conversation:

- converted: a slot event ``checkout_stage`` = "placed"
- order_value: the last ``last_order_total`` slot value (a decimal string), if any
- handoff: a slot event ``handoff_requested`` = True
- user_turns / fallback_turns: user events; a turn is a fallback turn when its intent is
  ``nlu_fallback`` or ``action_free_form`` ran in answer to it (counted once per turn)
- turns_to_order: user events before the first "placed" (None when not converted)
- llm_cost_usd: the sum of ``llm_cost_usd`` in the bot events' metadata
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ARMS_SLOT = "experiment_arms"
STAGE_SLOT = "checkout_stage"
PLACED = "placed"
ORDER_TOTAL_SLOT = "last_order_total"
HANDOFF_SLOT = "handoff_requested"
FALLBACK_INTENT = "nlu_fallback"
FALLBACK_ACTIONS = frozenset({"action_free_form"})
COST_KEY = "llm_cost_usd"


@dataclass
class ConversationOutcome:
    sender_id: str
    arms: dict[str, str] = field(default_factory=dict)
    converted: bool = False
    order_value: Decimal | None = None
    handoff: bool = False
    user_turns: int = 0
    fallback_turns: int = 0
    turns_to_order: int | None = None
    llm_cost_usd: float = 0.0


class _Builder:
    def __init__(self, sender_id: str) -> None:
        self.out = ConversationOutcome(sender_id)
        self._turn_is_fallback = False  # the current user turn already counted as a fallback

    def add(
        self, type_name: str, intent_name: str | None, action_name: str | None, data: dict[str, Any]
    ) -> None:
        out = self.out
        if type_name == "user":
            out.user_turns += 1
            intent = ((data.get("parse_data") or {}).get("intent") or {}).get("name") or intent_name
            self._turn_is_fallback = intent == FALLBACK_INTENT
            if self._turn_is_fallback:
                out.fallback_turns += 1
        elif type_name == "action":
            name = action_name or data.get("name")
            if name in FALLBACK_ACTIONS and out.user_turns and not self._turn_is_fallback:
                out.fallback_turns += 1
                self._turn_is_fallback = True
        elif type_name == "bot":
            cost = (data.get("metadata") or {}).get(COST_KEY)
            if isinstance(cost, (int, float, str)) and not isinstance(cost, bool):
                try:
                    out.llm_cost_usd += float(cost)
                except ValueError:
                    pass
        elif type_name == "slot":
            name = action_name or data.get("name")
            value = data.get("value")
            if name == ARMS_SLOT:
                out.arms = {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
            elif name == STAGE_SLOT and value == PLACED and not out.converted:
                out.converted = True
                out.turns_to_order = out.user_turns
            elif name == ORDER_TOTAL_SLOT and value not in (None, ""):
                try:
                    out.order_value = Decimal(str(value))
                except InvalidOperation:
                    pass
            elif name == HANDOFF_SLOT and value is True:
                out.handoff = True


def outcomes_from_rows(
    rows: Iterable[tuple[str, str, str | None, str | None, str | None]],
) -> list[ConversationOutcome]:
    """Rows of (sender_id, type_name, intent_name, action_name, data JSON), ordered by id."""
    builders: dict[str, _Builder] = {}
    for sender_id, type_name, intent_name, action_name, raw in rows:
        try:
            data = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        builder = builders.get(sender_id)
        if builder is None:
            builder = builders[sender_id] = _Builder(sender_id)
        builder.add(type_name, intent_name, action_name, data)
    return [b.out for b in builders.values()]


def _rows(db_path: Path) -> Iterator[tuple]:
    # Read-only: the tracker store may be in use by a running Rasa server.
    conn = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        yield from conn.execute(
            "SELECT sender_id, type_name, intent_name, action_name, data FROM events ORDER BY id"
        )
    finally:
        conn.close()


def read_outcomes(db_path: str | Path) -> list[ConversationOutcome]:
    """Every conversation in a SQLite tracker store, with its arms and outcomes."""
    path = Path(db_path)
    if not path.exists():
        raise FileNotFoundError(f"tracker store not found: {path}")
    return outcomes_from_rows(_rows(path))
