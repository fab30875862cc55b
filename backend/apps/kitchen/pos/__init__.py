"""The configured POS adapters (setting POS_ADAPTERS: built-in names or dotted paths)."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from apps.kitchen.pos.base import PosAdapter, PosRefused, PosResult, PosUnavailable, idempotency_key

BUILT_IN = {
    "kitchen_display": "apps.kitchen.pos.kitchen_display.KitchenDisplayAdapter",
    "http": "apps.kitchen.pos.http.HttpPosAdapter",
}

__all__ = [
    "PosAdapter",
    "PosRefused",
    "PosResult",
    "PosUnavailable",
    "configured_names",
    "get_adapter",
    "idempotency_key",
]


def configured_names() -> list[str]:
    return list(settings.POS_ADAPTERS)


def get_adapter(name: str) -> PosAdapter:
    return import_string(BUILT_IN.get(name, name))()
