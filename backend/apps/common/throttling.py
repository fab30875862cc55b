"""Throttles that read their rates from settings.THROTTLE_RATES at request time."""
from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.THROTTLE_RATES.get(self.scope)


class AnonThrottle(_SettingsRateThrottle):
    """Public callers (menu, restaurant facts), keyed by client IP."""

    scope = "anon"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class ServiceThrottle(_SettingsRateThrottle):
    """The assistant and staff users, keyed by identity."""

    scope = "service"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        ident = getattr(request.user, "pk", None) or str(request.user)
        return self.cache_format % {"scope": self.scope, "ident": ident}
