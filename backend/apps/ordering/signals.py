"""Domain events of ordering, for other apps to subscribe to (in their ``AppConfig.ready``)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that changed the status (with sender=Order and the keyword arguments
# order, previous (None for a new order), status, actor), right after the OrderStatusChange row is
# written. Sent with ``send``: a receiver's error rolls the change back. Receivers that reach the
# outside world defer that to ``transaction.on_commit`` themselves; they run in connection order,
# which follows INSTALLED_APPS (metrics, webhooks, notifications, kitchen).
order_status_changed = Signal()
