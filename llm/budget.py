"""A daily LLM spending limit that survives restarts.

Spend is kept per UTC day in a small JSON file (LLM_SPEND_FILE). Near the limit every call goes
to the cheaper fast model; at the limit the client answers offline until the next day. With
several action servers, each keeps its own file: give each a share of the budget.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

from llm import metrics

logger = logging.getLogger(__name__)


def utc_today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


class DailyBudget:
    def __init__(
        self,
        limit_usd: Decimal,
        *,
        path: Path | None,
        slowdown_fraction: float = 0.8,
        today: Callable[[], str] = utc_today,
    ) -> None:
        self.limit = Decimal(limit_usd)
        self.path = path
        self.slowdown_fraction = Decimal(str(slowdown_fraction))
        self._today = today
        self._day, self._spent = self._load()

    def _load(self) -> tuple[str, Decimal]:
        if self.path and self.path.exists():
            try:
                stored = json.loads(self.path.read_text(encoding="utf-8"))
                return str(stored["day"]), Decimal(str(stored["spent_usd"]))
            except (ValueError, KeyError, OSError):
                logger.warning("LLM spend file unreadable; starting the day at 0: %s", self.path)
        return self._today(), Decimal(0)

    def _roll(self) -> None:
        if self._day != self._today():
            self._day, self._spent = self._today(), Decimal(0)

    @property
    def spent(self) -> Decimal:
        self._roll()
        return self._spent

    @property
    def state(self) -> str:
        """ok, near (fast model only) or exhausted (offline until tomorrow, UTC)."""
        spent = self.spent
        if self.limit <= 0:
            return "ok"  # no limit configured
        if spent >= self.limit:
            return "exhausted"
        return "near" if spent >= self.limit * self.slowdown_fraction else "ok"

    def add(self, cost_usd: Decimal) -> None:
        self._roll()
        before = self.state
        self._spent += Decimal(cost_usd)
        self._save()
        metrics.LLM_BUDGET_SPENT.set(float(self._spent))
        metrics.LLM_BUDGET_EXHAUSTED.set(1 if self.state == "exhausted" else 0)
        if self.state != before:
            logger.warning("LLM daily budget %s: $%s of $%s spent", self.state, self._spent, self.limit)

    def _save(self) -> None:
        if not self.path:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".llm-spend-")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump({"day": self._day, "spent_usd": str(self._spent)}, out)
        os.replace(temporary, self.path)  # atomic: a crash never leaves half a file
