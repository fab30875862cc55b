"""Pluggable notification backends (setting NOTIFICATION_BACKEND). The defaults keep everything
on this machine: the console backend logs, the file backend appends JSON lines."""
from __future__ import annotations

import json
import logging
import threading
from pathlib import Path
from typing import Protocol

from django.conf import settings

from apps.notifications.models import Notification

logger = logging.getLogger("notifications")


class NotificationBackend(Protocol):
    def send(self, notification: Notification) -> None:
        """Deliver the message; raise on failure."""


class ConsoleBackend:
    def send(self, notification: Notification) -> None:
        logger.info("to %s: %s — %s", notification.recipient or "(guest, no contact yet)",
                    notification.subject, notification.message)


class FileBackend:
    _lock = threading.Lock()

    def send(self, notification: Notification) -> None:
        path = Path(settings.NOTIFICATION_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({
            "order": notification.order.number,
            "event": notification.event,
            "recipient": notification.recipient,
            "subject": notification.subject,
            "message": notification.message,
            "created_at": notification.created_at.isoformat(),
        })
        with self._lock, path.open("a", encoding="utf-8") as fh:
            fh.write(line + "\n")
