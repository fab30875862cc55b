"""One JSON log format for every service (action server, Rasa server, backend).

Each record becomes one JSON line: `timestamp`, `level`, `logger`, `event` and any `extra={...}`
keys, `conversation_id` among them where the record concerns a conversation. Values of known secret
settings, bearer tokens and `token=` parameters are masked first (SecretMaskingFilter). Built on
structlog's ProcessorFormatter (pinned in both environments: 26.x in `.venv`, 23.x in `.venv-rasa`).
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

import structlog

# Settings whose values never appear in a log line (README configuration table: the secrets).
SECRET_SETTINGS = (
    "GROQ_API_KEY",
    "QDRANT_API_KEY",
    "BACKEND_SERVICE_TOKEN",
    "BACKEND_SERVICE_TOKEN_PREVIOUS",
    "ACTION_SERVER_TOKEN",
    "WEBHOOK_SECRET",
    "WEBHOOK_SECRET_PREVIOUS",
    "CHAT_JWT_SECRET",
    "CHAT_JWT_SECRET_PREVIOUS",
    "CHAT_SESSION_SECRET",
    "CHAT_SESSION_SECRET_PREVIOUS",
    "RASA_AUTH_TOKEN",
    "RASA_TOKEN",
    "SENTRY_DSN",
    "METRICS_TOKEN",
    "DJANGO_SECRET_KEY",
    "PAYMENTS_SANDBOX_SECRET",
    "PAYMENTS_SANDBOX_SECRET_PREVIOUS",
    "POS_SECRET",
    "EMAIL_HOST_PASSWORD",
    "PROD_PG_PASSWORD",
)
MASK = "***"
_SECRET_KEY = re.compile(r"(?i)authorization|password|secret|token|api_key|dsn")
# "Authorization: Bearer x", "token=x" in a URL, "password": "x" in a dumped mapping
_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"(?i)([?&](?:token|access_token|api_key|key)=)[^&\s\"']+"),
    re.compile(
        r"(?i)((?:authorization|password|secret|api_key|token)[\"']?\s*[:=]\s*[\"']?)(?!\*\*\*|bearer\s)[^\s\"',}]+"
    ),
)


class SecretMaskingFilter(logging.Filter):
    """Masks secret setting values, bearer tokens and token query parameters in a record's message,
    arguments and extra fields (it changes the record; it never drops one)."""

    def __init__(
        self, name: str = "", secrets: Iterable[str] | None = None, environ: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(name)
        environ = os.environ if environ is None else environ
        values = list(secrets) if secrets is not None else [environ.get(key, "") for key in SECRET_SETTINGS]
        # longest first, so a secret containing another is masked whole; very short values would
        # mask ordinary words
        self.secrets = sorted({value for value in values if value and len(value) >= 6}, key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda match: match.group(1) + MASK, text)
        return text

    def _clean(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, (int, float, bool)) or value is None:
            return value
        if isinstance(value, Mapping):
            return {
                key: MASK if _SECRET_KEY.search(str(key)) else self._clean(item)
                for key, item in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self._clean(item) for item in value]
        return self.mask(str(value))

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD and not key.startswith("_"):
                setattr(record, key, self._clean(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.mask(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class ConversationIdFilter(logging.Filter):
    """Adds `conversation_id` from the service's context (e.g. the action call being run) to a
    record that does not name one itself."""

    def __init__(self, current: Callable[[], str | None] | None = None) -> None:
        super().__init__()
        self.current = current

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "conversation_id", None) is None and self.current is not None:
            conversation = self.current()
            if conversation:
                record.conversation_id = conversation
        return True


_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime"}


def _embedded_json(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """A message that is itself a JSON object (Rasa's structlog lines) is merged, not quoted."""
    event = event_dict.get("event")
    if isinstance(event, str) and event.startswith("{") and event.endswith("}"):
        try:
            inner = json.loads(event)
        except ValueError:
            return event_dict
        if isinstance(inner, dict):
            event_dict.pop("event")
            event_dict = {**{k: v for k, v in inner.items() if k != "level"}, **event_dict}
            event_dict.setdefault("event", inner.get("event", ""))
    return event_dict


def _exception_text(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The traceback the masking filter rendered (and masked), as `exception`."""
    record = event_dict.get("_record")
    if record is not None and record.exc_text:
        event_dict["exception"] = record.exc_text
    return event_dict


def json_formatter() -> logging.Formatter:
    """One JSON object per line: timestamp, level, logger, event, the record's extra keys."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso"),
            _embedded_json,
            _exception_text,
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(default=str),
        ],
    )


def json_handler(
    stream: Any = None, current_conversation: Callable[[], str | None] | None = None
) -> logging.Handler:
    """A stream handler (stderr by default) writing masked JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(json_formatter())
    handler.addFilter(ConversationIdFilter(current_conversation))
    handler.addFilter(SecretMaskingFilter())
    return handler
