"""After a load run: did the backend keep exactly one order for each conversation that was told
"Order #N is placed", and none twice?

Orders carry the conversation id of the chat that placed them (Order.conversation_id). Two readings:
- over the backend's HTTP API with the service token: each placed conversation's order, by the number
  the bot gave, asked on behalf of that conversation (GET /api/orders/by-number/N/?conversation_id=…).
  Missing there = lost.
- in the backend's database (Django's ORM through `manage.py shell`): how many orders each of the
  run's conversations has. More than one = duplicated; none for a placed conversation = lost; an order
  for a conversation that failed or was cut off at the end is counted apart (it is neither).
The HTTP API cannot list orders, so without a shell into the backend duplicates are not checked.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

# Orders per conversation since a time, as JSON on the last line (run in the backend's Django shell).
COUNT_CODE = """
import json
from datetime import datetime, timezone
from apps.ordering.models import Order
since = datetime.fromtimestamp({since}, timezone.utc)
ids = Order.objects.filter(created_at__gte=since).values_list("conversation_id", flat=True)
print(json.dumps(list(ids)))
"""

Shell = Callable[[str], str]  # Django shell code -> what it printed


@dataclass
class OrderCheck:
    placed: int = 0  # conversations told their order is placed
    found: int = 0  # of those, orders the API gives by number for that conversation
    in_backend: int | None = None  # orders of the run's conversations in the database (None: not read)
    lost: list[str] = field(default_factory=list)  # conversation ids
    duplicated: list[str] = field(default_factory=list)
    of_unfinished: int = 0  # orders of conversations that failed or were stopped mid-way

    @property
    def verdict(self) -> str:
        if self.lost or self.duplicated:
            return f"{len(self.lost)} lost, {len(self.duplicated)} duplicated"
        return "none lost" + (
            ", none duplicated" if self.in_backend is not None else " (duplicates not checked)"
        )


def check(
    conversations: list[dict[str, Any]], backend: httpx.Client, shell: Shell | None, since: float
) -> OrderCheck:
    placed = [c for c in conversations if c["status"] == "placed" and c["order"]]
    result = OrderCheck(placed=len(placed))
    for conversation in placed:
        if found_by_number(backend, conversation["order"], conversation["sender"]):
            result.found += 1
        else:
            result.lost.append(conversation["sender"])
    if shell is not None:
        counts = orders_per_conversation(shell, since)
        run = {c["sender"] for c in conversations if c["sender"]}
        result.in_backend = sum(n for sender, n in counts.items() if sender in run)
        result.duplicated = sorted(sender for sender in run if counts.get(sender, 0) > 1)
        result.lost = sorted(set(result.lost) | {c["sender"] for c in placed if not counts.get(c["sender"])})
        result.of_unfinished = sum(
            counts.get(c["sender"], 0) for c in conversations if c["status"] != "placed" and c["sender"]
        )
    return result


def found_by_number(backend: httpx.Client, number: str, sender: str) -> bool:
    response = backend.get(
        f"/api/orders/by-number/{number}/",
        params={"conversation_id": sender},
        headers={"X-Conversation-Id": sender},
    )
    return response.status_code == 200 and response.json().get("number") == str(number)


def orders_per_conversation(shell: Shell, since: float) -> Counter[str]:
    """Orders created since `since` (epoch seconds), counted per conversation id."""
    printed = shell(COUNT_CODE.format(since=since - 1)).strip().splitlines()
    return Counter(json.loads(printed[-1]))
