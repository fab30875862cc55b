"""Order updates to guests on the channels they chose (e-mail, SMS), plus a push into their chat.

Rows are written inside the status change; sending happens off the request thread once it commits,
and each row records whether it was sent.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.common.tasks import submit
from apps.notifications.chat_push import push_order_status
from apps.notifications.models import Notification
from apps.notifications.sms import get_sms_provider
from apps.ordering.models import Order

logger = logging.getLogger(__name__)
Channel = Notification.Channel

MESSAGES = {
    "placed": "We received your order {number}. Thank you!",
    "confirmed": "Your order {number} is confirmed.",
    "preparing": "The kitchen is preparing your order {number}.",
    "ready": "Your order {number} is ready for pickup.",
    "out_for_delivery": "Your order {number} is on its way.",
    "completed": "Your order {number} is complete. Enjoy your meal!",
    "cancelled": "Your order {number} has been cancelled.",
    "rejected": "Sorry, the kitchen couldn't accept your order {number}. {charge}; "
    "please call us or order again.",
}


def message_for(order: Order, status: str) -> str:
    template = MESSAGES.get(status, "Your order {number} is now " + status.replace("_", " ") + ".")
    payment = getattr(order, "payment", None)
    refunded = payment is not None and payment.status == "refunded"
    charge = "Your payment has been refunded" if refunded else "You have not been charged"
    return template.format(number=order.number, charge=charge)


def _channels(order: Order) -> list[tuple[str, str, str]]:
    """(channel, recipient, backend) for each channel the customer chose and can be reached on."""
    customer = order.customer
    if customer is None:
        return []
    chosen = []
    if customer.notify_email and customer.email:
        chosen.append((Channel.EMAIL, customer.email, settings.EMAIL_BACKEND))
    if customer.notify_sms and customer.phone:
        chosen.append((Channel.SMS, customer.phone, settings.SMS_PROVIDER))
    return chosen


def notify_status_change(order: Order, previous: str | None, status: str) -> list[Notification]:
    """Record one notification per chosen channel now; send them (and the chat push) after commit."""
    notifications = []
    for channel, recipient, backend in _channels(order):
        notification = Notification.objects.create(
            order=order,
            event=f"order.{status}",
            channel=channel,
            recipient=recipient,
            subject=f"Order {order.number}: {status.replace('_', ' ')}",
            message=message_for(order, status),
            backend=backend,
        )
        notifications.append(notification)
        transaction.on_commit(lambda pk=notification.pk: submit(send_notification, pk), robust=True)
    if status != Order.Status.PLACED and order.conversation_id and settings.RASA_URL:
        # The guest is in the chat when placing; later changes are news to them.
        args = (order.conversation_id, order.number or str(order.pk), status)
        transaction.on_commit(lambda: submit(push_order_status, *args), robust=True)
    return notifications


def _deliver(notification: Notification) -> None:
    if notification.channel == Channel.SMS:
        get_sms_provider().send(notification.recipient, notification.message)
    else:
        send_mail(
            notification.subject,
            notification.message,
            settings.DEFAULT_FROM_EMAIL,
            [notification.recipient],
            fail_silently=False,
        )


def send_notification(notification_id: int) -> None:
    notification = Notification.objects.select_related("order").get(pk=notification_id)
    try:
        _deliver(notification)
    except Exception as exc:
        logger.exception("notification %s (%s) failed", notification_id, notification.channel)
        notification.status = Notification.Status.FAILED
        notification.error = str(exc)
    else:
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "error", "sent_at"])
