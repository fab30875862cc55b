"""Which arm of each experiment (experiments.yml) this conversation is in, and what that changes.

The assignment is recorded in the `experiment_arms` slot the first time a guest meets an
experiment, so every outcome in the tracker store joins to its arm (`python -m experiments report`).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions import slots, wiring
from actions.common import customer_id

logger = logging.getLogger(__name__)


def experiment_changes(tracker: Tracker) -> tuple[dict[str, Any], list[EventType]]:
    """The merged changes of this conversation's arms, and the slot event when the arms are new."""
    from experiments.assignment import arms_for, changes_for

    registry = wiring.experiments()
    already = dict(tracker.get_slot(slots.EXPERIMENT_ARMS) or {})
    try:
        arms = arms_for(registry, tracker.sender_id, already, customer_id=customer_id(tracker))
        changes = changes_for(registry, arms)
    except Exception:
        logger.exception(
            "experiment assignment failed; defaults used", extra={"conversation_id": tracker.sender_id}
        )
        return {}, []
    return changes, ([SlotSet(slots.EXPERIMENT_ARMS, arms)] if arms != already else [])
