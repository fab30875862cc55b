"""The one place an action turns a backend outage or refusal into what the guest hears.

    async with backend_call(dispatcher, tracker, "change quantity") as call:
        cart = await client.set_quantity(...)
    if call.failed:
        return []

An outage (BackendUnavailable) gets the service-down reply, a warning naming `what` and the fallback
metric; a refusal (BackendRejected) gets the backend's own message, or `rejected(error)` when given.
Either way the block stops and `call.failed` is True, so the action returns events that change nothing.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import metrics
from actions.backend_client import BackendBusy, BackendRejected, BackendUnavailable

# logged under the name the copied blocks used, so log filters and dashboards keep working
logger = logging.getLogger("actions.common")

SERVICE_DOWN = (
    "Sorry, I can't reach our ordering system right now. Nothing has changed and your cart is "
    'safe. Please try again in a moment, or say "talk to a person".'
)


def tell_service_down(dispatcher: CollectingDispatcher, tracker: Tracker, what: str) -> None:
    logger.warning("backend unavailable during %s", what, extra={"conversation_id": tracker.sender_id})
    metrics.FALLBACKS.labels("action").inc()
    dispatcher.utter_message(text=SERVICE_DOWN)


def backend_message(rejection: BackendRejected) -> str:
    return rejection.message


@dataclass
class BackendCall:
    """What became of the guarded block: failed is True after an outage or a refusal."""

    failed: bool = False
    rejection: BackendRejected | None = None


@asynccontextmanager
async def backend_call(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    what: str,
    *,
    rejected: Callable[[BackendRejected], str] | None = backend_message,
    busy: str | None = None,
) -> AsyncIterator[BackendCall]:
    """Guard a block of backend calls. `rejected=None` lets refusals through to the caller (where the
    block cannot be refused, or the caller decides); `busy` is the reply to a 429 in place of the
    outage reply."""
    call = BackendCall()
    try:
        yield call
    except BackendUnavailable as error:  # BackendBusy (429) is one too: the outage reply unless `busy`
        call.failed = True
        if busy is not None and isinstance(error, BackendBusy):
            dispatcher.utter_message(text=busy)
        else:
            tell_service_down(dispatcher, tracker, what)
    except BackendRejected as rejection:
        if rejected is None:
            raise
        call.failed, call.rejection = True, rejection
        dispatcher.utter_message(text=rejected(rejection))
