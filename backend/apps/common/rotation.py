"""Secrets that can be rotated without downtime.

A secret ``NAME`` has three settings: ``NAME`` (the current value, always accepted and always used to
sign or mint), ``NAME_PREVIOUS`` (the value being retired) and ``NAME_PREVIOUS_UNTIL`` (an ISO 8601
timestamp). The previous value is accepted while now < until; with no until it is not accepted at all,
so a forgotten ``_PREVIOUS`` never stays valid for ever. See docs/accounts.md for the procedure.
The window itself is `service_common.secret_rotation` (shared with the assistant); this reads Django settings.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from service_common import secret_rotation


def parse_until(name: str, value: str | datetime | None) -> datetime | None:
    """The end of the overlap window as an aware datetime (a naive one is taken as UTC); None if unset."""
    try:
        return secret_rotation.parse_until(value, f"{name}_PREVIOUS_UNTIL")
    except secret_rotation.MalformedDeadline as exc:
        raise ImproperlyConfigured(str(exc)) from exc


@dataclass(frozen=True)
class RotatingSecret:
    name: str
    current: str
    previous: str = ""
    previous_until: datetime | None = None

    def accepted(self, now: datetime | None = None) -> list[str]:
        """The values a caller may present right now: the current one, then the previous one if in its window."""
        return secret_rotation.accepted_secrets(self.current, self.previous, self.previous_until, now)

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
