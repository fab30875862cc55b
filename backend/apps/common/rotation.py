"""Secrets that can be rotated without downtime.

A secret ``NAME`` has three settings: ``NAME`` (the current value, always accepted and always used to
sign or mint), ``NAME_PREVIOUS`` (the value being retired) and ``NAME_PREVIOUS_UNTIL`` (an ISO 8601
timestamp). The previous value is accepted while now < until; with no until it is not accepted at all,
so a forgotten ``_PREVIOUS`` never stays valid for ever. See docs/accounts.md for the procedure.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def parse_until(name: str, value: str | datetime | None) -> datetime | None:
    """The end of the overlap window as an aware datetime (a naive one is taken as UTC); None if unset."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name}_PREVIOUS_UNTIL must be an ISO 8601 timestamp.") from exc
    return value if value.tzinfo else value.replace(tzinfo=dt_timezone.utc)


@dataclass(frozen=True)
class RotatingSecret:
    name: str
    current: str
    previous: str = ""
    previous_until: datetime | None = None

    def accepted(self, now: datetime | None = None) -> list[str]:
        """The values a caller may present right now: the current one, then the previous one if in its window."""
        now = now or datetime.now(tz=dt_timezone.utc)
        values = [self.current] if self.current else []
        if (self.previous and self.previous != self.current and self.previous_until is not None
                and now < self.previous_until):
            values.append(self.previous)
        return values

    def matches(self, presented: str, now: datetime | None = None) -> bool:
        """Whether `presented` equals an accepted value (constant-time comparison against each)."""
        found = False
        for value in self.accepted(now):
            found |= hmac.compare_digest(presented.encode(), value.encode())
        return found


def rotating_secret(name: str) -> RotatingSecret:
    """The secret ``name`` as configured now (read from settings on every call, so overrides apply)."""
    return RotatingSecret(
        name=name,
        current=getattr(settings, name, "") or "",
        previous=getattr(settings, f"{name}_PREVIOUS", "") or "",
        previous_until=parse_until(name, getattr(settings, f"{name}_PREVIOUS_UNTIL", "")),
    )
