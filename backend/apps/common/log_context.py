"""The backend's JSON logs (settings.LOGGING): the shared format (service_common/logs.py), each line
of a request made for a chat conversation carrying its `conversation_id` (the X-Conversation-Id header
the assistant sends, else a `conversation_id` query parameter)."""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from service_common.logs import json_handler as shared_json_handler

CONVERSATION_HEADER = "HTTP_X_CONVERSATION_ID"
current_conversation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "backend_conversation", default=None
)


def json_handler() -> logging.Handler:
    """settings.LOGGING's handler (a dictConfig factory)."""
    logging.captureWarnings(True)  # Python warnings as log lines too
    return shared_json_handler(current_conversation=current_conversation.get)


def request_conversation(request: HttpRequest) -> str | None:
    value = str(
        request.META.get(CONVERSATION_HEADER, "") or request.GET.get("conversation_id", "") or ""
    ).strip()
    return value[:200] or None


class ConversationLogMiddleware:
    """Names the request's conversation in every log line written while the request is handled."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_conversation.set(request_conversation(request))
        try:
            return self.get_response(request)
        finally:
            current_conversation.reset(token)
