"""What every channel checks before anything else sees a message: its size, its rate, and that it is text.

The NLU pipeline's cost grows with the length of a message, and the Rasa server handles messages on
one event loop: one 100 kB message held it for 27 s for every guest, 1 MB for more than 11 minutes.
A message over CHAT_MAX_MESSAGE_CHARS (default 2,000) is answered by the channel itself with a
polite request for a shorter one; it never reaches the NLU, the tracker store or the review tool.
An empty message (or one that is not text at all: REST bodies are any JSON) and Rasa's internal
"/session_start" typed by a guest are answered the same way, so every message gets a reply.
Whole request bodies are capped before that by Sanic: SANIC_REQUEST_MAX_SIZE, set for the Rasa
process only (Procfile, docker-compose.yml, the Rasa image, tests/stack.py) from RASA_REQUEST_MAX_BYTES.

Message rate: a guest (one conversation, the sender id) may send CHAT_RATE_LIMIT_PER_CONVERSATION
messages (default 30/minute) and one client IP CHAT_RATE_LIMIT_PER_IP (default 120/minute, for
guests behind one café or office network), counted over a moving window with the `limits` library.
A message over either limit is answered with RATE_NOTICE by the channel and goes no further. The
counts are kept in this Rasa process's memory, or, with CHAT_REDIS_URL set (several Rasa servers behind
a load balancer: scripts/prod.sh), in Redis, shared by every server. If Redis cannot be reached the
message is let through and a warning logged: a guest is not refused because a counter is down. "off" turns a limit off. The
IP is Sanic's `request.remote_addr` (set from X-Forwarded-For / Forwarded only when Sanic is told to
trust the proxy: PROXIES_COUNT or FORWARDED_SECRET), else the peer's address.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from rasa.core.channels.channel import UserMessage

from channels.identity import with_identity
from channels.server_logging import in_conversation
from channels.settings import ChannelSettings

logger = logging.getLogger(__name__)

DEFAULT_MAX_MESSAGE_CHARS = 2000


def max_message_chars() -> int:
    """CHAT_MAX_MESSAGE_CHARS as a positive whole number; unset or anything else means the default."""
    try:
        limit = int(ChannelSettings().chat_max_message_chars)
    except ValueError:
        return DEFAULT_MAX_MESSAGE_CHARS
    return limit if limit > 0 else DEFAULT_MAX_MESSAGE_CHARS


def too_long_notice(limit: int) -> str:
    return f"That message is too long for me (over {limit:,} characters). Could you send a shorter one?"


EMPTY_NOTICE = (
    "I didn't catch any words there. What would you like: the menu, a recommendation, or something else?"
)
# Typed by a guest, Rasa's own session-start intent would be run silently; the conversation is open anyway.
ALREADY_OPEN_NOTICE = "We're already chatting! What can I get you?"
INTERNAL_PAYLOADS = ("/session_start",)


def refusal(message: UserMessage, limit: int) -> str | None:
    """What the channel answers itself instead of passing the message on, or None to pass it on."""
    text = message.text
    if not isinstance(text, str) or not text.strip():
        return EMPTY_NOTICE
    if len(text) > limit:
        return too_long_notice(limit)
    if text.strip().lower().startswith(INTERNAL_PAYLOADS):
        return ALREADY_OPEN_NOTICE
    return None


def with_message_checks(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], limit: int
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap a channel's message handler: an empty, over-long or internal message gets a notice instead."""

    async def handle(message: UserMessage) -> Any:
        notice = refusal(message, limit)
        if notice is None:
            return await on_new_message(message)
        size = len(message.text) if isinstance(message.text, str) else None
        logger.info("message answered at the channel (%d characters, limit %d)", size or 0, limit)
        if message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, notice)
        return None

    return handle


# -- message rate ---------------------------------------------------------------------------------

DEFAULT_RATE_PER_CONVERSATION = "30/minute"
DEFAULT_RATE_PER_IP = "120/minute"
# GET /webhooks/rest/messages (a REST guest's poll for a person's messages; the terminal chat polls
# once a second): counted apart from messages, so polling never uses up a guest's message budget
DEFAULT_POLL_RATE_PER_CONVERSATION = "120/minute"
DEFAULT_POLL_RATE_PER_IP = "600/minute"
RATE_NOTICE = "You're sending messages faster than I can read them; please wait a moment."

# The client IP of the request being handled: set by the channel (REST: a blueprint middleware;
# socket.io: at each message, from the IP remembered at connect), read by the rate limit.
client_ip: contextvars.ContextVar[str | None] = contextvars.ContextVar("chat_client_ip", default=None)


def _rate(name: str, value: str, default: str) -> RateLimitItem | None:
    """A rate such as "30/minute" or "100 per hour"; "off" (or "0") means no limit, junk the default."""
    if value.lower() in ("off", "0", "none"):
        return None
    try:
        return parse(value or default)
    except ValueError:
        logger.warning('%s=%r is not a rate like "30/minute"; using %s', name, value, default)
        return parse(default)


class MessageRateLimit:
    """Per-conversation and per-IP message limits, in this process's memory or in Redis (`storage_url`)."""

    def __init__(
        self,
        per_conversation: RateLimitItem | None,
        per_ip: RateLimitItem | None,
        storage_url: str = "memory://",
        *,
        counted: str = "",
    ) -> None:
        self.per_conversation = per_conversation
        self.per_ip = per_ip
        self._scope_prefix = f"{counted}-" if counted else ""  # what is counted: "" messages, "poll" polls
        # kept here: the limiter holds only a weak reference to it
        self._storage: Storage = storage_from_string(storage_url)
        self._limiter = MovingWindowRateLimiter(self._storage)

    @classmethod
    def from_env(cls) -> MessageRateLimit:
        settings = ChannelSettings()
        return cls(
            _rate(
                "CHAT_RATE_LIMIT_PER_CONVERSATION",
                settings.chat_rate_limit_per_conversation,
                DEFAULT_RATE_PER_CONVERSATION,
            ),
            _rate("CHAT_RATE_LIMIT_PER_IP", settings.chat_rate_limit_per_ip, DEFAULT_RATE_PER_IP),
            settings.chat_redis_url or "memory://",
        )

    @classmethod
    def polls_from_env(cls) -> MessageRateLimit:
        """The limits of a REST guest's polls (GET /webhooks/rest/messages), counted apart from messages."""
        settings = ChannelSettings()
        return cls(
            _rate(
                "CHAT_POLL_RATE_LIMIT_PER_CONVERSATION",
                settings.chat_poll_rate_limit_per_conversation,
                DEFAULT_POLL_RATE_PER_CONVERSATION,
            ),
            _rate(
                "CHAT_POLL_RATE_LIMIT_PER_IP", settings.chat_poll_rate_limit_per_ip, DEFAULT_POLL_RATE_PER_IP
            ),
            settings.chat_redis_url or "memory://",
            counted="poll",
        )

    def allow(self, conversation: str | None, ip: str | None) -> bool:
        """Count one message; False (and nothing counted against the other limit) when over a limit."""
        checks = [
            (limit, scope, key)
            for limit, scope, key in (
                (self.per_ip, self._scope_prefix + "ip", ip),
                (self.per_conversation, self._scope_prefix + "conversation", conversation),
            )
            if limit is not None and key
        ]
        try:
            if not all(self._limiter.test(limit, scope, key) for limit, scope, key in checks):
                return False
            # a list, not a generator: every limit counts the message, even after one says no
            return all([self._limiter.hit(limit, scope, key) for limit, scope, key in checks])  # noqa: C419
        except Exception:  # the shared counter store is down: serve the guest, say so in the log
            logger.warning("message rate limit not checked: its storage cannot be reached", exc_info=True)
            return True


def with_rate_limit(
    on_new_message: Callable[[UserMessage], Awaitable[Any]], limit: MessageRateLimit
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap a channel's message handler: a message over a rate limit gets RATE_NOTICE instead."""

    async def handle(message: UserMessage) -> Any:
        ip = client_ip.get()
        if limit.allow(message.sender_id, ip):
            return await on_new_message(message)
        logger.info("message refused: over the chat rate limit", extra={"conversation_id": message.sender_id})
        if message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, RATE_NOTICE)
        return None

    return handle


def request_ip(request: Any) -> str | None:
    """The client's address as Sanic sees it: the trusted forwarded one, else the peer."""
    if request is None:
        return None
    return getattr(request, "remote_addr", None) or getattr(request, "ip", None) or None


def guarded(
    on_new_message: Callable[[UserMessage], Awaitable[Any]],
    *,
    jwt_key: str | None,
    algorithm: str,
    message_limit: int,
    rate_limit: MessageRateLimit,
) -> Callable[[UserMessage], Awaitable[Any]]:
    """Every channel's message handler: the rate first (every message counts), then the message
    checks, then the identity proven on this message (channels/identity.py)."""
    handler = with_message_checks(with_identity(on_new_message, jwt_key, algorithm), message_limit)
    return in_conversation(with_rate_limit(handler, rate_limit))
