"""Tell the guest's chat about their order's new status, through Rasa's conversations API.

Rasa runs the intent ``EXTERNAL_order_status`` in the conversation and answers on the channel the
guest last used. Best effort: a few quick tries, then a warning; a status change never fails
because the chat is unreachable.

Rasa 3.6's HTTP API takes its auth token only as the `?token=` query parameter (rasa/server.py
`requires_auth`: no header form short of a JWT), and httpx logs every request's full URL at INFO.
`RedactTokens`, installed on the httpx logger when this module loads (before any push), rewrites
`token=<value>` to `token=***` in those records, so the token never reaches a log handler.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings
from tenacity import RetryError, Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

logger = logging.getLogger(__name__)
INTENT = "EXTERNAL_order_status"
# Loggers that write request URLs (httpx: 'HTTP Request: POST <url> "HTTP/1.1 200 OK"').
URL_LOGGERS = ("httpx",)
_TOKEN_IN_URL = re.compile(r"(?i)([?&]token=)[^&\s\"'#]+")


def redact(text: str) -> str:
    """`...?a=1&token=secret` -> `...?a=1&token=***`."""
    return _TOKEN_IN_URL.sub(r"\1***", text)


class RedactTokens(logging.Filter):
    """Replaces `token=<value>` in a record's message with `token=***` (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


def install_log_redaction(names: tuple[str, ...] = URL_LOGGERS) -> None:
    """Idempotent: one RedactTokens on each named logger."""
    for name in names:
        target = logging.getLogger(name)
        if not any(isinstance(existing, RedactTokens) for existing in target.filters):
            target.addFilter(RedactTokens())


install_log_redaction()


class PushFailed(Exception):
    pass


def _post(url: str, params: dict[str, str], body: Any) -> httpx.Response:
    try:
        response = httpx.post(url, params=params, json=body, timeout=settings.RASA_PUSH_TIMEOUT_SECONDS)
    except httpx.HTTPError as exc:
        raise PushFailed(f"{type(exc).__name__}: {exc}") from exc
    if not 200 <= response.status_code < 300:
        raise PushFailed(f"HTTP {response.status_code}")
    return response


def conversation_endpoint(conversation_id: str, endpoint: str, **params: str) -> tuple[str, dict[str, str]]:
    """URL and query of Rasa's `/conversations/<id>/<endpoint>`, with its auth token."""
    url = f"{settings.RASA_URL}/conversations/{quote(conversation_id, safe='')}/{endpoint}"
    if settings.RASA_TOKEN:
        params["token"] = settings.RASA_TOKEN
    return url, params


def post_to_conversation(conversation_id: str, endpoint: str, body: Any, **params: str) -> httpx.Response:
    """One POST to Rasa's conversations API; PushFailed when Rasa is off, unreachable or refuses."""
    if not settings.RASA_URL:
        raise PushFailed("RASA_URL is not set")
    url, query = conversation_endpoint(conversation_id, endpoint, **params)
    return _post(url, query, body)


def push_order_status(conversation_id: str, number: str, status: str) -> bool:
    """True if Rasa took it. Never raises."""
    if not (settings.RASA_URL and conversation_id):
        return False
    url, params = conversation_endpoint(conversation_id, "trigger_intent", output_channel="latest")
    body = {"name": INTENT, "entities": {"order_number": number, "order_status": status}}
    retrying = Retrying(
        stop=stop_after_attempt(settings.RASA_PUSH_MAX_ATTEMPTS),
        wait=wait_exponential(multiplier=settings.RASA_PUSH_BACKOFF_SECONDS, max=5),
        retry=retry_if_exception_type(PushFailed),
    )
    try:
        retrying(_post, url, params, body)
    except RetryError as exc:
        logger.warning(
            "could not push order %s status %s to the chat: %s", number, status, exc.last_attempt.exception()
        )
        return False
    except Exception:
        logger.warning("could not push order %s status %s to the chat", number, status, exc_info=True)
        return False
    return True
