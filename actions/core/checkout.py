"""Checkout rules without Rasa: the words a guest picks fulfilment and payment with, the key that
makes a repeated yes one order, and the texts for a placed order and its status."""

from __future__ import annotations

import hashlib

from actions.backend_client import Cart, Order
from actions.core.formatting import cart_text, money, order_text
from actions.core.pickup_time import time_label

PAYMENT_LABELS = {"card_online": "by card (secure online link)", "pay_at_counter": "at the counter"}
FULFILMENT_WORDS = {
    "pickup": "pickup",
    "pick up": "pickup",
    "collect": "pickup",
    "collection": "pickup",
    "takeaway": "pickup",
    "delivery": "delivery",
    "deliver": "delivery",
}
PAYMENT_WORDS = {
    "card_online": "card_online",
    "card": "card_online",
    "online": "card_online",
    "pay_at_counter": "pay_at_counter",
    "counter": "pay_at_counter",
    "cash": "pay_at_counter",
}


def idempotency_key(conversation_id: str, cart: int, cart_version: int) -> str:
    """Same conversation, cart and cart contents → same key, so a repeated yes never orders twice."""
    digest = hashlib.sha256(f"{conversation_id}|{cart}|{cart_version}".encode()).hexdigest()
    return f"chat-{digest[:40]}"


STATUS_TEXT = {
    "placed": "has been received and is waiting for the kitchen to confirm it",
    "confirmed": "is confirmed",
    "preparing": "is being prepared",
    "ready": "is ready for pickup",
    "out_for_delivery": "is out for delivery",
    "completed": "is completed. Enjoy your meal!",
    "cancelled": "was cancelled",
    "rejected": "couldn't be accepted by the kitchen. You have not been charged for it",
}


def requested_time_for_order(value: str | None) -> str | None:
    """The time slot as the backend takes it: "asap" is no requested time."""
    return None if not value or value == "asap" else value


def order_summary(
    cart: Cart,
    *,
    fulfilment: str | None,
    postcode: str | None,
    payment_method: str | None,
    requested_time: str | None,
) -> str:
    """What will be ordered, how and when, at the backend's total, ending in the question the yes answers."""
    fulfilment = fulfilment or "pickup"
    where = f"delivery to postcode {postcode}" if fulfilment == "delivery" else "pickup"
    payment = PAYMENT_LABELS.get(payment_method or "", "at the counter")
    return (
        f"Here's your order:\n{cart_text(cart)}\n"
        f"{where.capitalize()}, {time_label(requested_time)}, paying {payment}.\n"
        f"Shall I place this order for {money(cart.total, cart.currency)}? (yes/no)"
    )


def placed_text(order: Order) -> str:
    text = f"Order #{order.number} is placed! 🎉\n{order_text(order)}\n"
    if order.payment and order.payment.method == "card_online" and order.payment.checkout_url:
        text += f"Please pay securely here: {order.payment.checkout_url}"
    else:
        text += "You can pay at the counter."
    if order.contact_on_file and order.fulfilment == "delivery":
        text += "\nWe'll deliver to the address saved on your account, and keep you posted here and as you chose there."
    elif order.contact_on_file:
        text += "\nWe'll keep you posted here and as you chose on your account."
    elif order.details_url:
        text += f"\nPlease add your contact details for the order here (we never ask for them in the chat): {order.details_url}"
    return text
