"""Rasa's REST channel, with the chat token checked the same way as on the website's socket.io.

A REST client that speaks for a logged-in guest puts the backend's chat token in the message
metadata (`{"sender": ..., "message": ..., "metadata": {"token": "<jwt>"}}`). Same URL as the
built-in channel: POST /webhooks/rest/webhook. The sender must be a conversation id this server
issued (POST /webhooks/rest/session answers `{"sender": "<id>"}`; channels/sessions.py): any other
is refused with HTTP 403, so nobody continues a conversation by guessing its id. A message over CHAT_MAX_MESSAGE_CHARS, or over the
per-conversation or per-IP message rate, is answered here and goes no further (channels/limits.py);
the input channel recorded is always "rest".

A person's messages (live staff takeover, apps/support/takeover.py in the backend) reach a REST guest
by polling: GET /webhooks/rest/messages?sender=<id>&after=<timestamp> answers the messages newer than
`after` that were pushed into the conversation from outside the guest's turns: a person's (metadata
`{"human": true, "staff": "<first name>"}`) and the backend's follow-ups (`pushed`), and `paused` (a
person holds the conversation, the assistant will not answer). REST is request/response: a message written while no
request of the guest is open has no connection to travel on, and Rasa's own answer to that
(output_channel=latest) collects it into the staff request's response instead. The tracker store
already holds every message, so polling it needs no second store and no open connection per guest;
the sender id is the same capability that lets a client write to the conversation, so reading it
adds no exposure.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Protocol

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.models.handler_types import RequestMiddlewareType, RouteHandler
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import paused_sessions, speedups
from channels.identity import STAFF_KEYS, check_rotation_deadlines
from channels.limits import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRateLimit,
    client_ip,
    guarded,
    max_message_chars,
    request_ip,
)
from channels.sessions import SessionIds

UNKNOWN_SENDER = {
    "error": "unknown_conversation",
    "message": "This conversation id was not issued by this server. POST /webhooks/rest/session for a new one "
    'and send it as "sender" with every message of the conversation.',
}


POLLING_TOO_FAST = {
    "error": "rate_limited",
    "message": "Asking for new messages too often; once a second is plenty.",
}
BAD_AFTER = {"error": "bad_after", "message": '"after" is a timestamp in seconds, e.g. the last message\'s.'}


def pushed_messages(tracker: DialogueStateTracker | None, sender: str, after: float) -> dict[str, Any]:
    """Messages pushed into this conversation from outside the guest's turns (a person's, marked
    `human`; the backend's, marked `pushed`) later than `after`, and whether the assistant is paused."""
    found = [
        {
            "recipient_id": sender,
            "text": event.text,
            "timestamp": event.timestamp,
            "metadata": {key: event.metadata[key] for key in STAFF_KEYS if key in event.metadata},
        }
        for event in (tracker.events if tracker else [])
        if isinstance(event, BotUttered)
        and event.timestamp > after
        and (event.metadata.get("human") is True or event.metadata.get("pushed") is True)
    ]
    return {"messages": found, "paused": bool(tracker and tracker.is_paused())}


class BlueprintDecorators(Protocol):
    """The decorators of Sanic 21's Blueprint used here, as Sanic annotates them on its app: Blueprint
    wraps them with an unannotated helper (sanic.blueprints.lazy), so mypy sees them as Any.
    What a decorator returns is not used."""

    def route(self, uri: str, methods: Iterable[str] | None = None) -> Callable[[RouteHandler], object]: ...

    def middleware(self, middleware_or_request: str) -> Callable[[RequestMiddlewareType], object]: ...


class AccountRestInput(RestInput):
    jwt_key: str | None = None
    jwt_algorithm: str = "HS256"
    message_limit: int = DEFAULT_MAX_MESSAGE_CHARS  # characters; CHAT_MAX_MESSAGE_CHARS at start
    rate_limit: MessageRateLimit | None = None  # CHAT_RATE_LIMIT_* at start
    poll_limit: MessageRateLimit | None = None  # CHAT_POLL_RATE_LIMIT_* at start
    sessions: SessionIds | None = None  # CHAT_SESSION_SECRET at start

    @classmethod
    def name(cls) -> str:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> AccountRestInput:
        speedups.apply()
        paused_sessions.install()
        check_rotation_deadlines()
        credentials = credentials or {}
        channel = cls()
        channel.jwt_key = credentials.get("jwt_key") or None
        channel.jwt_algorithm = credentials.get("jwt_method") or "HS256"
        channel.message_limit = max_message_chars()
        channel.rate_limit = MessageRateLimit.from_env()
        channel.poll_limit = MessageRateLimit.polls_from_env()
        channel.sessions = SessionIds.from_env(channel.jwt_key)
        return channel

    def _extract_message(self, req: Request) -> str | None:
        # Any JSON value may come as the message; what is not text is treated as no words (a notice).
        message = super()._extract_message(req)
        return message if isinstance(message, str) else ""

    def _extract_input_channel(self, req: Request) -> str:
        # Rasa's REST channel stores the body's `input_channel` as is (any JSON value), and it
        # becomes the channel the review tool and the metrics read: a client does not choose it.
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(
            guarded(
                on_new_message,
                jwt_key=self.jwt_key,
                algorithm=self.jwt_algorithm,
                message_limit=self.message_limit,
                rate_limit=self.rate_limit or MessageRateLimit.from_env(),
            )
        )

        sessions = self.sessions or SessionIds.from_env(self.jwt_key)
        poll_limit = self.poll_limit or MessageRateLimit.polls_from_env()
        decorators: BlueprintDecorators = blueprint

        @decorators.route("/session", methods=["POST"])
        async def new_session(request: Request) -> HTTPResponse:
            return response.json({"sender": sessions.issue()})

        @decorators.route("/messages", methods=["GET"])
        async def staff_messages(request: Request) -> HTTPResponse:
            sender = request.args.get("sender")
            if not sessions.is_valid(sender):
                return response.json(UNKNOWN_SENDER, status=403)
            if not poll_limit.allow(sender, request_ip(request)):
                return response.json(POLLING_TOO_FAST, status=429, headers={"Retry-After": "1"})
            try:
                after = float(request.args.get("after") or 0)
            except ValueError:
                return response.json(BAD_AFTER, status=400)
            tracker = await request.app.ctx.agent.tracker_store.retrieve(sender)
            return response.json(pushed_messages(tracker, sender, after))

        @decorators.middleware("request")
        async def check_request(request: Request) -> HTTPResponse | None:
            client_ip.set(request_ip(request))
            if request.method == "POST" and request.path.rstrip("/").endswith("/webhook"):
                try:
                    body = request.json
                except Exception:
                    return None
                if not sessions.is_valid(body.get("sender") if isinstance(body, dict) else None):
                    return response.json(UNKNOWN_SENDER, status=403)
            return None

        return blueprint
