"""JSON logs for the Rasa server: the handler `deploy/logging/rasa.yml` names (`rasa run
--logging-config-file deploy/logging/rasa.yml`; Rasa applies the file before it adds its working
directory to sys.path, so the handler is found as the installed `channels` package).

Rasa 3.6's CLI, right after applying the file, installs coloredlogs on the root logger, which
replaces any stderr handler with its plain-text one; and its HTTP API app (`--enable-api`) is a
Sanic app that applies Sanic's own logging defaults (plain handlers on `sanic.*`). Both are turned
off here, when the handler is made, so every record (Rasa's, Sanic's, the channels', the tracker
store's) reaches this one JSON handler on the root logger. Records of a guest's message carry its
`conversation_id` (set by the channels for the handling of each message: `in_conversation`).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.settings import ChannelSettings
from service_common.logs import json_handler as shared_json_handler

current_conversation: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "rasa_conversation", default=None
)


def _keep_our_handler() -> None:
    try:
        import rasa.utils.io
        import sanic.log
    except ImportError:  # not in the Rasa environment: nothing overrides the handler
        return
    rasa.utils.io.configure_colored_logging = lambda *_args, **_kwargs: None
    # Sanic() applies this dict (the same object sanic.app imported): leave the loggers to the root's handler
    sanic.log.LOGGING_CONFIG_DEFAULTS.clear()
    sanic.log.LOGGING_CONFIG_DEFAULTS.update({"version": 1, "disable_existing_loggers": False})


def json_handler() -> logging.Handler:
    """The root logger's handler (a dictConfig factory); also sets the root level from LOG_LEVEL."""
    _keep_our_handler()
    logging.captureWarnings(True)  # Python warnings (deprecations at start-up) as log lines too
    logging.getLogger().setLevel(ChannelSettings().log_level)
    return shared_json_handler(current_conversation=current_conversation.get)


def in_conversation(on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[Any]]:
    """Wrap a channel's message handler: what is logged while handling a message names its conversation."""

    async def handle(message: Any) -> Any:
        token = current_conversation.set(getattr(message, "sender_id", None))
        try:
            return await on_new_message(message)
        finally:
            current_conversation.reset(token)

    return handle
