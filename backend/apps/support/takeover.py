"""A person takes a conversation over from the assistant, talks in it, and hands it back.

The assistant is paused through Rasa's own mechanism: a `ConversationPaused` event appended with
Rasa's HTTP API (POST /conversations/<id>/tracker/events). A paused tracker still logs the guest's
messages, but Rasa's MessageProcessor predicts no action for them (`_should_handle_message`), so the
assistant says nothing until `ConversationResumed`. The events live in the tracker store, so a pause
survives a restart of the Rasa server. Staff words are `BotUttered` events appended the same way with
`execute_side_effects=true` and `output_channel=latest`: Rasa sends them to the guest's socket.io room
(channels/website.py keeps their metadata); a REST guest reads them from GET /webhooks/rest/messages
(channels/rest.py). Each carries `{"human": true, "staff": "<first name>"}`, keys a guest's own
messages can never carry (channels/identity.py strips them).
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from apps.accounts.orders import format_total
from apps.common import metrics
from apps.common.errors import ApiError
from apps.notifications.chat_push import PushFailed, post_to_conversation
from apps.ordering import carts
from apps.ordering.models import Cart
from apps.ordering.serializers import cart_data
from apps.support.models import Handoff

logger = logging.getLogger(__name__)


def first_name(user: AbstractBaseUser) -> str:
    """What the guest sees of a staff member: the first name, or the user name when there is none."""
    return (getattr(user, "first_name", "") or user.get_username()).strip().split(" ")[0] or "Staff"


def staff_message(user: AbstractBaseUser, text: str) -> dict[str, Any]:
    return {"event": "bot", "text": text, "metadata": {"human": True, "staff": first_name(user)}}


def append_events(handoff: Handoff, events: list[dict[str, Any]]) -> None:
    """Append events to the guest's conversation and deliver its bot messages; ApiError 502 if Rasa can't."""
    try:
        post_to_conversation(
            handoff.conversation_id,
            "tracker/events",
            events,
            output_channel="latest",
            execute_side_effects="true",
        )
    except PushFailed as error:
        logger.warning("handoff %s: the conversation could not be updated: %s", handoff.pk, error)
        raise ApiError(
            "chat_unreachable",
            "The guest's chat could not be reached; nothing was changed. Try again in a moment.",
            502,
        ) from error


def _held_by(handoff_id: int, user: AbstractBaseUser) -> Handoff:
    handoff = Handoff.objects.filter(pk=handoff_id).select_related("claimed_by").first()
    if handoff is None:
        raise ApiError("handoff_not_found", "There is no such handoff.", 404)
    if handoff.status != Handoff.Status.CLAIMED or handoff.claimed_by_id != user.pk:
        raise ApiError(
            "not_yours",
            "You aren't holding this conversation; claim it first.",
            409,
            {
                "status": handoff.status,
                "claimed_by": first_name(handoff.claimed_by) if handoff.claimed_by else None,
            },
        )
    return handoff


def claim(handoff_id: int, user: AbstractBaseUser) -> Handoff:
    """Claim an open handoff for `user` and pause the assistant; the guest is told once who joined.

    The claim is one conditional UPDATE (open -> claimed), so of two people clicking at once exactly
    one gets it, on SQLite as on PostgreSQL; if Rasa then cannot be reached it is undone."""
    claimed_at = timezone.now()
    taken = Handoff.objects.filter(pk=handoff_id, status=Handoff.Status.OPEN).update(
        status=Handoff.Status.CLAIMED, claimed_by=user, claimed_at=claimed_at, updated_at=claimed_at
    )
    handoff = Handoff.objects.filter(pk=handoff_id).select_related("claimed_by").first()
    if handoff is None:
        raise ApiError("handoff_not_found", "There is no such handoff.", 404)
    if not taken:
        holder = first_name(handoff.claimed_by) if handoff.claimed_by else None
        message = (
            f"{holder} has already taken this conversation."
            if handoff.status == Handoff.Status.CLAIMED
            else f"This request is {handoff.status}; there is nothing to claim."
        )
        raise ApiError("already_claimed", message, 409, {"status": handoff.status, "claimed_by": holder})
    try:
        append_events(
            handoff,
            [
                {"event": "pause"},
                staff_message(
                    user, f"Hi, I'm {first_name(user)} from the team. I'm here now, how can I help?"
                ),
            ],
        )
    except ApiError:
        Handoff.objects.filter(pk=handoff_id, claimed_by=user).update(
            status=Handoff.Status.OPEN, claimed_by=None, claimed_at=None, updated_at=timezone.now()
        )
        raise
    metrics.handoff_step("claimed", (claimed_at - handoff.created_at).total_seconds())
    return handoff


def say(handoff_id: int, user: AbstractBaseUser, text: str) -> None:
    """A staff message in the guest's chat (checked by apps.support.inputs.StaffMessageSerializer)."""
    append_events(_held_by(handoff_id, user), [staff_message(user, text)])


def hand_back(handoff_id: int, user: AbstractBaseUser) -> Handoff:
    """Resume the assistant with everything the conversation had (slots, cart, a form in progress)."""
    handoff = _held_by(handoff_id, user)
    append_events(
        handoff,
        [
            staff_message(user, "I'll hand you back to the assistant now. Enjoy your meal!"),
            {"event": "resume"},
        ],
    )
    Handoff.objects.filter(pk=handoff.pk).update(
        status=Handoff.Status.CLOSED, closed_at=timezone.now(), updated_at=timezone.now()
    )
    handoff.refresh_from_db()
    metrics.handoff_step("resolved", (handoff.closed_at - handoff.claimed_at).total_seconds())
    return handoff


def open_cart(conversation_id: str) -> Cart | None:
    return (
        Cart.objects.filter(conversation_id=conversation_id, status=Cart.Status.OPEN).order_by("-id").first()
    )


def add_to_cart(
    handoff_id: int, user: AbstractBaseUser, item_id: int, quantity: int, option_ids: list[int] | None = None
) -> dict[str, Any]:
    """Add a dish to the guest's cart with the cart API's own rules, and tell the guest what changed;
    the guest's cart as it is now."""
    handoff = _held_by(handoff_id, user)
    cart, events = open_cart(handoff.conversation_id), []
    if cart is None:  # the assistant finds a cart by its slot: a new one is set there too
        cart = carts.create_cart(handoff.customer, "staff", handoff.conversation_id)
        events.append({"event": "slot", "name": "cart_id", "value": cart.pk})
    carts.add_item(cart.pk, item_id, quantity, option_ids or [])
    data = cart_data(cart)
    added = next((line for line in data["lines"] if line["item"]["id"] == item_id), None)
    name = added["item"]["name"] if added else "the dish"
    _tell_cart_change(handoff, user, f"I've added {quantity} × {name} to your cart.", data, events)
    return data


def change_line(handoff_id: int, user: AbstractBaseUser, line_id: int, quantity: int) -> dict[str, Any]:
    """Set a dish's quantity in the guest's open cart (0 removes it) with the cart API's own rules, and
    tell the guest what changed; the guest's cart as it is now."""
    handoff = _held_by(handoff_id, user)
    cart = open_cart(handoff.conversation_id)
    if cart is None:
        raise ApiError("no_open_cart", "The guest has no open cart.", 404)
    line = cart.lines.select_related("item").filter(pk=line_id).first()
    if line is None:
        raise ApiError("line_not_found", "That dish isn't in the guest's cart.", 404, {"line": line_id})
    name = line.item.name
    if quantity == 0:
        carts.remove_line(cart.pk, line.pk)
        said = f"I've taken {name} out of your cart."
    else:
        carts.change_quantity(cart.pk, line.pk, quantity)
        said = f"I've changed {name} to {quantity}."
    data = cart_data(cart)
    _tell_cart_change(handoff, user, said, data)
    return data


def _tell_cart_change(
    handoff: Handoff,
    user: AbstractBaseUser,
    said: str,
    data: dict[str, Any],
    events: list[dict[str, Any]] | None = None,
) -> None:
    """The staff member's message about a cart change, with the cart's new count and total."""
    try:
        append_events(
            handoff,
            [
                *(events or []),
                staff_message(
                    user,
                    f"{said} Your cart: {data['item_count']} item(s), "
                    f"{format_total(Decimal(data['total']), data['currency'])} so far.",
                ),
            ],
        )
    except ApiError as error:  # the cart did change: say so, not "nothing was changed"
        raise ApiError(
            "chat_unreachable",
            "The cart changed, but the guest's chat could not be told; tell them in your next message.",
            502,
        ) from error
