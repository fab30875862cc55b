"""Throttles that read their rates from settings.THROTTLE_RATES at request time.

The assistant's requests are throttled per conversation ("conversation" rate, THROTTLE_CONVERSATION),
so one guest flooding the chat slows down only their own conversation, not every guest's. A request's
conversation is the X-Conversation-Id header when sent, else its `conversation_id` query parameter,
else the `conversation_id` of its JSON body (POST /api/carts/, /api/orders/, /api/handoffs/), else
the conversation of the cart or order in its URL. Requests that belong to no conversation (menu, restaurant facts) share the "service" bucket.
Counters live in the default cache (per process with the default LocMemCache).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

CONVERSATION_HEADER = "HTTP_X_CONVERSATION_ID"


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


def _authenticated(request: Request) -> bool:
    return bool(request.user and request.user.is_authenticated)


def request_conversation(request: Request, view: Any) -> str | None:
    """The chat conversation a request is made for, or None (see the module's docstring)."""
    cached = getattr(request, "_throttle_conversation", False)
    if cached is not False:
        return cached
    conversation = _find_conversation(request, view)
    request._throttle_conversation = conversation  # type: ignore[attr-defined]
    return conversation


def _find_conversation(request: Request, view: Any) -> str | None:
    header = str(request.META.get(CONVERSATION_HEADER, "")).strip()
    if header:
        return header[:200]
    query = str(request.query_params.get("conversation_id") or "").strip()
    if query:
        return query[:200]
    if request.method == "POST" and "json" in (request.content_type or ""):
        try:  # Django keeps the body, so the view's parser still reads it (and reports bad JSON)
            body = json.loads(request._request.body or b"{}")
        except Exception:
            body = None
        if (
            isinstance(body, dict)
            and isinstance(body.get("conversation_id"), str)
            and body["conversation_id"].strip()
        ):
            return body["conversation_id"].strip()[:200]
    kwargs = getattr(view, "kwargs", None) or {}
    from apps.ordering.models import Cart, Order

    if "cart_id" in kwargs:
        found = Cart.objects.filter(pk=kwargs["cart_id"]).values_list("conversation_id", flat=True).first()
        return found or f"cart:{kwargs['cart_id']}"
    if "order_id" in kwargs:
        found = Order.objects.filter(pk=kwargs["order_id"]).values_list("conversation_id", flat=True).first()
        return found or f"order:{kwargs['order_id']}"
    if "number" in kwargs:
        found = (
            Order.objects.filter(number=kwargs["number"]).values_list("conversation_id", flat=True).first()
        )
        return found or None
    return None


class ConversationThrottle(_SettingsRateThrottle):
    """The assistant's requests for one chat conversation, keyed by that conversation."""

    scope = "conversation"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not _authenticated(request):
            return None
        conversation = request_conversation(request, view)
        if conversation is None:
            return None
        ident = hashlib.sha256(conversation.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ServiceThrottle(_SettingsRateThrottle):
    """The assistant and staff users, keyed by identity: requests that belong to no conversation."""

    scope = "service"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not _authenticated(request):
            return None
        if (
            settings.THROTTLE_RATES.get(ConversationThrottle.scope)
            and request_conversation(request, view) is not None
        ):
            return None  # counted per conversation instead
        ident = getattr(request.user, "pk", None) or str(request.user)
        return self.cache_format % {"scope": self.scope, "ident": ident}
