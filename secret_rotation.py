"""Secrets rotated without downtime: the current value and, until a set time, the previous one.

Every secret NAME that a receiver checks (webhook signing secrets, the chat token key) may have
NAME_PREVIOUS and NAME_PREVIOUS_UNTIL (ISO 8601) beside it. While now < NAME_PREVIOUS_UNTIL both
values are accepted; after it only the current one. Senders always use the current value.
Used by the Rasa channels and the action server (both run from the repository root).
"""
from __future__ import annotations

import logging
import os
from datetime import datetime, timezone
from typing import Mapping, Optional

logger = logging.getLogger(__name__)


def parse_until(value: str) -> Optional[datetime]:
    """The end of the rotation window; naive times are UTC; None for empty or unreadable values."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        logger.warning("ignoring unreadable rotation window end %r (use ISO 8601)", value)
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def accepted_secrets(current: str, previous: str = "", previous_until: str = "",
                     now: Optional[datetime] = None) -> list[str]:
    """The values a receiver accepts right now, current first."""
    values = [current] if current else []
    until = parse_until(previous_until)
    now = now or datetime.now(timezone.utc)
    if previous and previous != current and until is not None and now < until:
        values.append(previous)
    return values


def accepted_from_env(name: str, environ: Optional[Mapping[str, str]] = None,
                      now: Optional[datetime] = None, current: Optional[str] = None) -> list[str]:
    """accepted_secrets() for NAME, NAME_PREVIOUS and NAME_PREVIOUS_UNTIL in the environment."""
    environ = os.environ if environ is None else environ
    return accepted_secrets(environ.get(name, "") if current is None else current,
                            environ.get(f"{name}_PREVIOUS", ""), environ.get(f"{name}_PREVIOUS_UNTIL", ""), now)
