"""The longest message a guest may send, checked at every channel before anything else sees it.

The NLU pipeline's cost grows with the length of a message, and the Rasa server handles messages on
one event loop: one 100 kB message held it for 27 s for every guest, 1 MB for more than 11 minutes.
A message over CHAT_MAX_MESSAGE_CHARS (default 2,000) is answered by the channel itself with a
polite request for a shorter one; it never reaches the NLU, the tracker store or the review tool.
Whole request bodies are capped before that by Sanic: SANIC_REQUEST_MAX_SIZE, set for the Rasa
process only (Procfile, docker-compose.yml, the Rasa image, tests/stack.py) from RASA_REQUEST_MAX_BYTES.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_CHARS = 2000


def max_message_chars() -> int:
    """CHAT_MAX_MESSAGE_CHARS as a positive whole number; unset or anything else means the default."""
    try:
        limit = int(os.environ.get("CHAT_MAX_MESSAGE_CHARS", "").strip())
    except ValueError:
        return DEFAULT_MAX_MESSAGE_CHARS
    return limit if limit > 0 else DEFAULT_MAX_MESSAGE_CHARS


def too_long_notice(limit: int) -> str:
    return f"That message is too long for me (over {limit:,} characters). Could you send a shorter one?"


def is_too_long(message: UserMessage, limit: int) -> bool:
    return isinstance(message.text, str) and len(message.text) > limit


def with_size_limit(on_new_message: Callable[[UserMessage], Awaitable[Any]],
                    limit: int) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap a channel's message handler: a message over `limit` characters gets the notice instead."""

    async def handle(message: UserMessage) -> Any:
        if not is_too_long(message, limit):
            return await on_new_message(message)
        logger.info("message of %d characters refused (limit %d)", len(message.text), limit)
        if message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, too_long_notice(limit))
        return None

    return handle
