from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from apps.common.tasks import submit
from apps.notifications.models import Notification
from apps.ordering.models import Order

logger = logging.getLogger(__name__)

MESSAGES = {
    "placed": "We received your order {number}. Thank you!",
    "confirmed": "Your order {number} is confirmed.",
    "preparing": "The kitchen is preparing your order {number}.",
    "ready": "Your order {number} is ready for pickup.",
    "out_for_delivery": "Your order {number} is on its way.",
    "completed": "Your order {number} is complete. Enjoy your meal!",
    "cancelled": "Your order {number} has been cancelled.",
}


def notify_status_change(order: Order, previous: str | None, status: str) -> Notification:
    """Record the notification now; send it off the request thread once the change commits."""
    customer = order.customer
    notification = Notification.objects.create(
        order=order,
        event=f"order.{status}",
        recipient=(customer.email or customer.phone) if customer else "",
        subject=f"Order {order.number}: {status.replace('_', ' ')}",
        message=MESSAGES.get(status, "Your order {number} is now " + status).format(number=order.number),
        backend=settings.NOTIFICATION_BACKEND,
    )
    transaction.on_commit(lambda: submit(send_notification, notification.pk))
    return notification


def send_notification(notification_id: int) -> None:
    notification = Notification.objects.select_related("order").get(pk=notification_id)
    try:
        import_string(notification.backend)().send(notification)
    except Exception as exc:  # noqa: BLE001 - any backend failure is recorded on the row
        logger.exception("notification %s failed", notification_id)
        notification.status = Notification.Status.FAILED
        notification.error = str(exc)
    else:
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "error", "sent_at"])
