"""A signed-in guest's account in the chat: "order my usual" and order updates pushed by the backend.

The guest is known only by the opaque customer id the channel verified from the chat token
(channels/identity.py); names and contact details stay in the backend.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import slots, wiring
from actions.backend_calls import backend_call
from actions.backend_client import BackendRejected, BackendUnavailable
from actions.common import YES_NO_BUTTONS, customer_id, first_entity, open_cart
from actions.core.checkout import STATUS_TEXT
from actions.core.reorder import reorder_text
from actions.info_actions import public_url

logger = logging.getLogger(__name__)

USUAL_WORDS = re.compile(r"\b(usual|always|regular)\b", re.IGNORECASE)


NO_HISTORY = (
    "I couldn't find an earlier order on your account, so there's nothing to repeat yet. "
    "What would you like to order?"
)


def _refusal_text(tracker: Tracker) -> Callable[[BackendRejected], str]:
    def text(error: BackendRejected) -> str:
        if error.code == "no_order_history":
            return NO_HISTORY
        logger.warning("reorder refused: %s", error.code, extra={"conversation_id": tracker.sender_id})
        return error.message

    return text


class ActionOrderUsual(Action):
    def name(self) -> str:
        return "action_order_usual"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        customer = customer_id(tracker)
        if customer is None:
            dispatcher.utter_message(
                text=f"To repeat an earlier order I need to know it's you: please log in at "
                f"{public_url().rstrip('/')}/accounts/login/ and open the chat there. "
                "Or just tell me what you'd like, guests can order too."
            )
            return []
        usual = bool(USUAL_WORDS.search(str(tracker.latest_message.get("text") or "")))
        client = wiring.backend()
        async with backend_call(dispatcher, tracker, "reorder", rejected=_refusal_text(tracker)) as call:
            cart, events = await open_cart(tracker, client)
            cart, reorder = await client.reorder(
                cart.id, customer=customer, which="usual" if usual else "last"
            )
        if call.failed:
            return []
        if not reorder.added:
            dispatcher.utter_message(
                text=reorder_text(cart, reorder, usual) + "\nWhat would you like instead?"
            )
            return events
        dispatcher.utter_message(text=reorder_text(cart, reorder, usual))
        dispatcher.utter_message(
            text="Shall I take you to checkout to confirm your order?", buttons=YES_NO_BUTTONS
        )
        return events + [
            SlotSet(slots.PENDING_COMMAND, {"kind": "checkout"}),
            SlotSet(slots.NEXT_FLOW, "clarify"),
        ]


class ActionAnnounceOrderStatus(Action):
    """Runs when the backend triggers EXTERNAL_order_status for this conversation (Rasa's trigger_intent)."""

    def name(self) -> str:
        return "action_announce_order_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number, status = first_entity(tracker, "order_number"), first_entity(tracker, "order_status")
        if not number:
            return []
        number, status = str(number), (str(status) if status else None)
        try:
            current = (
                await wiring.backend().order_by_number(
                    number, conversation_id=tracker.sender_id, customer=customer_id(tracker)
                )
            ).status
        except (BackendUnavailable, BackendRejected) as error:
            logger.warning(
                "order %s status from the event only: %s",
                number,
                error,
                extra={"conversation_id": tracker.sender_id},
            )
        else:
            if status and status != current:
                # an event overtaken by a later change (e.g. confirmed, then rejected by the POS):
                # the later event tells the guest, so nothing is said twice or out of date
                return []
            status = current
        if status not in STATUS_TEXT:
            return []
        dispatcher.utter_message(text=f"Your order #{number} {STATUS_TEXT[status]}.")
        return [SlotSet(slots.LAST_ORDER_NUMBER, number)]
