"""JSON logs for the action server, each line carrying the conversation id it concerns (no PII).

Importing `actions` gives the `actions` loggers their JSON handler (as before); the server process
(`python -m actions.server`) also puts one on the root logger, so the packages it runs (`llm`:
token usage, `rag`: index syncs) and its libraries write the same JSON lines at LOG_LEVEL. The
format and the secret masking are the shared ones (service_common/logs.py)."""

from __future__ import annotations

import logging
from typing import IO

from service_common.logs import json_handler


def _conversation() -> str | None:
    """The conversation of the action call being run (set by the backend client's context)."""
    from actions.backend_client import current_conversation

    return current_conversation.get()


def _level(level: str | None) -> str:
    if level is not None:
        return level
    from actions.settings import ActionSettings

    # not get_settings(): importing `actions` must not fix the cached settings before a caller sets them
    return ActionSettings().log_level


def configure_logging(level: str | None = None, stream: IO[str] | None = None) -> None:
    """Render every `actions.*` record as one JSON line on stderr; `extra={...}` fields become keys."""
    package_logger = logging.getLogger("actions")
    package_logger.handlers = [json_handler(stream, current_conversation=_conversation)]
    package_logger.setLevel(_level(level))
    package_logger.propagate = False


def configure_server_logging(level: str | None = None, stream: IO[str] | None = None) -> None:
    """The action server process: every logger's records (llm.*, rag.*, sanic, httpx) as JSON lines."""
    level = _level(level)
    configure_logging(level, stream)
    root = logging.getLogger()
    root.handlers = [json_handler(stream, current_conversation=_conversation)]
    root.setLevel(level)
    logging.captureWarnings(True)  # Python warnings (deprecations at start-up) as log lines too
