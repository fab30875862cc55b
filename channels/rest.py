"""Rasa's REST channel, with the chat token checked the same way as on the website's socket.io.

A REST client that speaks for a logged-in guest puts the backend's chat token in the message
metadata (`{"sender": ..., "message": ..., "metadata": {"token": "<jwt>"}}`). Same URL as the
built-in channel: POST /webhooks/rest/webhook. A message over CHAT_MAX_MESSAGE_CHARS, or over the
per-conversation or per-IP message rate, is answered here and goes no further (channels/limits.py);
the input channel recorded is always "rest".
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint
from sanic.request import Request

from channels import speedups
from channels.identity import REFUSED_NOTICE, chat_keys, identify
from channels.limits import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRateLimit,
    client_ip,
    max_message_chars,
    request_ip,
    with_rate_limit,
    with_size_limit,
)


def with_identity(on_new_message: Callable[[UserMessage], Awaitable[Any]], jwt_key: Optional[str],
                  algorithm: str) -> Callable[[UserMessage], Awaitable[Any]]:
    """Wrap a channel's message handler: verify the token, tell the guest when it is refused."""

    async def handle(message: UserMessage) -> Any:
        message.metadata, verdict = identify(message.metadata, chat_keys(jwt_key), algorithm)
        if verdict.problem and message.output_channel is not None:
            await message.output_channel.send_text_message(message.sender_id, REFUSED_NOTICE)
        return await on_new_message(message)

    return handle


class AccountRestInput(RestInput):
    jwt_key: Optional[str] = None
    jwt_algorithm: str = "HS256"
    message_limit: int = DEFAULT_MAX_MESSAGE_CHARS  # characters; CHAT_MAX_MESSAGE_CHARS at start
    rate_limit: Optional[MessageRateLimit] = None  # CHAT_RATE_LIMIT_* at start

    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "AccountRestInput":
        speedups.apply()
        credentials = credentials or {}
        channel = cls()
        channel.jwt_key = credentials.get("jwt_key") or None
        channel.jwt_algorithm = credentials.get("jwt_method") or "HS256"
        channel.message_limit = max_message_chars()
        channel.rate_limit = MessageRateLimit.from_env()
        return channel

    def _extract_input_channel(self, req: Request) -> Text:
        # Rasa's REST channel stores the body's `input_channel` as is (any JSON value), and it
        # becomes the channel the review tool and the metrics read: a client does not choose it.
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = with_size_limit(with_identity(on_new_message, self.jwt_key, self.jwt_algorithm), self.message_limit)
        blueprint = super().blueprint(with_rate_limit(handler, self.rate_limit or MessageRateLimit.from_env()))

        @blueprint.middleware("request")
        async def remember_client_ip(request: Request) -> None:
            client_ip.set(request_ip(request))

        return blueprint
