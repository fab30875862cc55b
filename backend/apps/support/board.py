"""What the staff page shows of each handoff: why, the cart, the fulfilment, the conversation, the wait."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.ordering.serializers import cart_data
from apps.review.tracker import load_conversation
from apps.support.models import Handoff
from apps.support.takeover import first_name, open_cart

CONVERSATION_TURNS = 40  # the latest guest and bot messages shown per handoff


def conversation(conversation_id: str) -> list[dict[str, Any]]:
    """The guest's and the chat's messages (assistant or person), oldest first."""
    lines = []
    for item in load_conversation(conversation_id):
        if item["kind"] == "user":
            lines.append({"who": "guest", "text": item["text"], "at": item["timestamp"]})
        elif item["kind"] == "bot" and item["text"]:
            who = "staff" if item.get("human") else "assistant"
            lines.append(
                {
                    "who": who,
                    "staff": item.get("staff") or None,
                    "text": item["text"],
                    "at": item["timestamp"],
                }
            )
    return lines[-CONVERSATION_TURNS:]


def card(handoff: Handoff) -> dict[str, Any]:
    cart = open_cart(handoff.conversation_id)
    data = cart_data(cart) if cart else None
    waited_until = handoff.claimed_at or timezone.now()
    return {
        "id": handoff.pk,
        "status": handoff.status,
        "reason": handoff.reason,
        "created_at": handoff.created_at.isoformat(),
        "waiting_seconds": int((waited_until - handoff.created_at).total_seconds()),
        "claimed_by": first_name(handoff.claimed_by) if handoff.claimed_by else None,
        "claimed_by_id": handoff.claimed_by_id,
        "cart": data,
        "fulfilment": (data or {}).get("fulfilment"),
        "conversation": conversation(handoff.conversation_id),
    }


def board() -> list[dict[str, Any]]:
    """Open and claimed handoffs, the longest waiting first."""
    live = Handoff.objects.filter(Q(status=Handoff.Status.OPEN) | Q(status=Handoff.Status.CLAIMED))
    return [card(handoff) for handoff in live.select_related("claimed_by").order_by("created_at", "id")]
