"""The backend's one reader of environment variables: typed helpers settings.py uses for every setting.

Django's settings module stays the one place the backend's settings live (one name each, read once at
start-up, as Django and its apps expect); these helpers only make each read typed and alike. A
pydantic-settings class beside it would have named every setting twice. Code outside settings.py
reads `django.conf.settings`, never the environment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from django.core.exceptions import ImproperlyConfigured

from service_common.secret_rotation import MalformedDeadline, parse_until
from service_common.values import parse_log_level, parse_origins


def environment() -> Mapping[str, str]:
    """The whole environment, for the checks that look at several names (production settings)."""
    return os.environ


def env_str(name: str, default: str = "") -> str:
    """The value as set (an empty value stays empty), else `default`."""
    return os.environ.get(name, default)


def env_int(name: str, default: int | str) -> int:
    return int(os.environ.get(name, str(default)))


def env_float(name: str, default: float | str) -> float:
    return float(os.environ.get(name, str(default)))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


def env_origins(name: str = "CHAT_ALLOWED_ORIGINS") -> list[str]:
    """Sites, the way every service reads CHAT_ALLOWED_ORIGINS (service_common/values.py)."""
    return parse_origins(os.environ.get(name, ""))


def env_log_level(name: str = "LOG_LEVEL") -> str:
    return parse_log_level(os.environ.get(name))


def env_until(name: str) -> str:
    """An ISO 8601 timestamp (e.g. 2026-12-01T12:00:00Z) or empty; refused at start-up if malformed."""
    value = os.environ.get(name, "").strip()
    try:
        parse_until(value, name)
    except MalformedDeadline as exc:
        raise ImproperlyConfigured(str(exc)) from exc
    return value
