"""Rasa's socket.io channel for the website chat, with the socket.io origin restricted.

Rasa 3.6 builds its socket.io server with CORS handling switched off, so any site could open a
websocket to it. This subclass keeps everything else (events, session persistence, `jwt_key`)
and refuses a connection whose Origin header is not one of the configured sites:
`allowed_origins` in credentials.yml, or the comma-separated CHAT_ALLOWED_ORIGINS variable.
HTTP long-polling CORS headers come from `rasa run --cors` (set to the same sites).
It also fixes session persistence, which Rasa 3.6 breaks with python-socketio 5.x (see below).

Accounts: with `jwt_key` set (credentials.yml, from CHAT_JWT_SECRET), a logged-in guest's page
connects with the backend's chat token in the socket.io `auth`. A valid token is remembered for the
socket; a tampered or expired one is refused at connect with a reason the widget shows, and the
widget reconnects as a guest. Unlike Rasa's own channel, a connection without a token is a guest,
not refused. Each message's identity is then decided by channels.identity (see there).

Conversations: the session id a socket asks for in `session_request` is kept only if this server
issued it (channels/sessions.py); otherwise the socket gets a new one in `session_confirm`. A socket
is in its own conversation's room only, and its messages always go to that conversation, whatever
`session_id` they carry, so knowing another guest's id neither shows their replies nor writes to them.

A message over CHAT_MAX_MESSAGE_CHARS, or over the per-conversation (session id) or per-IP message
rate, is answered by the channel and goes no further (channels/limits.py). The IP is taken at connect.

Several Rasa servers (scripts/prod.sh): a socket is connected to one server (the load balancer keeps
it there), but a message for its conversation may be produced by another one: the backend's order
updates arrive through Rasa's HTTP API at any server. With CHAT_REDIS_URL set, the servers share
their socket.io rooms through Redis (python-socketio's AsyncRedisManager), so the server holding the
socket delivers it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, cast

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint
from socketio import AsyncRedisManager
from socketio.exceptions import ConnectionRefusedError

from channels import paused_sessions, speedups
from channels.identity import REFUSED_NOTICE, STAFF_KEYS, chat_keys, check_rotation_deadlines, verify_token
from channels.limits import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRateLimit,
    client_ip,
    guarded,
    max_message_chars,
    request_ip,
)
from channels.sessions import SessionIds
from channels.settings import ChannelSettings
from service_common.values import parse_origins

logger = logging.getLogger(__name__)


def metadata_object(value: Any) -> dict[str, Any]:
    """Message metadata as an object: Rasa also takes a JSON string here, and fails on anything else."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    return value if isinstance(value, dict) else {}


def share_rooms_through_redis(sio: Any, redis_url: str) -> None:
    """Emits to a room reach its sockets on every Rasa server (Rasa builds the server without a manager)."""
    if not redis_url:
        return
    sio.manager = AsyncRedisManager(redis_url, channel="restaurant-chat")
    sio.manager.set_server(sio)
    sio.manager_initialized = False  # initialised (its Redis listener started) on first use
    logger.info("socket.io rooms shared through Redis")


class StaffMarkedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, keeping a person's mark: Rasa's drops a message's metadata, so the
    widget could not tell staff words (`{"human": true, "staff": "Anna"}`) from the assistant's."""

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        marks = {key: kwargs[key] for key in STAFF_KEYS if key in kwargs}
        if not marks:
            await super().send_text_message(recipient_id, text, **kwargs)
            return
        await self._send_message(recipient_id, {"text": text.strip(), "metadata": marks})


class WebsiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"  # same URL (/socket.io) and webhook name as Rasa's own channel

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WebsiteSocketIOInput:
        speedups.apply()
        paused_sessions.install()
        check_rotation_deadlines()
        credentials = credentials or {}
        # Rasa's SocketIOInput.from_credentials builds `cls(...)` (it is annotated as any InputChannel)
        channel = cast(
            WebsiteSocketIOInput,
            super().from_credentials({k: v for k, v in credentials.items() if k != "allowed_origins"}),
        )
        channel.allowed_origins = parse_origins(
            credentials.get("allowed_origins") or ChannelSettings().chat_allowed_origins
        )
        channel.message_limit = max_message_chars()
        channel.rate_limit = MessageRateLimit.from_env()
        channel.sessions = SessionIds.from_env(channel.jwt_key)
        return channel

    allowed_origins: list[str] = []
    message_limit: int = DEFAULT_MAX_MESSAGE_CHARS  # characters; CHAT_MAX_MESSAGE_CHARS at start
    rate_limit: MessageRateLimit | None = None  # CHAT_RATE_LIMIT_* at start
    sessions: SessionIds | None = None  # CHAT_SESSION_SECRET at start

    def get_output_channel(self) -> OutputChannel | None:
        """Where messages from outside a guest's turn go (Rasa's HTTP API with output_channel=latest)."""
        if self.sio is None:
            return super().get_output_channel()
        return StaffMarkedSocketIOOutput(self.sio, self.bot_message_evt)

    def origin_allowed(self, origin: str | None) -> bool:
        if not self.allowed_origins or "*" in self.allowed_origins:
            return True
        return bool(origin and origin.rstrip("/") in self.allowed_origins)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(
            guarded(
                on_new_message,
                jwt_key=self.jwt_key,
                algorithm=self.jwt_algorithm or "HS256",
                message_limit=self.message_limit,
                rate_limit=self.rate_limit or MessageRateLimit.from_env(),
            )
        )
        assert self.sio is not None
        sio = self.sio  # the server Rasa's blueprint just made; the handlers below are registered on it
        share_rooms_through_redis(sio, ChannelSettings().chat_redis_url)
        handlers = sio.handlers[self.namespace or "/"]
        rasa_message_handler = handlers[self.user_message_evt]
        connect_tokens: dict[str, str] = {}
        connect_ips: dict[str, str | None] = {}
        socket_sessions: dict[str, str] = {}  # socket id -> the conversation it was confirmed in
        sessions = self.sessions or SessionIds.from_env(self.jwt_key)
        namespace = self.namespace or "/"

        async def connect(sid: str, environ: dict[str, Any], auth: object = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning("socket.io connection refused from origin %s", origin)
                return False
            token = auth.get("token") if isinstance(auth, dict) else None
            if token:
                verdict = verify_token(token, chat_keys(self.jwt_key), self.jwt_algorithm or "HS256")
                if verdict.problem:
                    raise ConnectionRefusedError(REFUSED_NOTICE, {"reason": verdict.problem})
                connect_tokens[sid] = str(token)
            connect_ips[sid] = request_ip(environ.get("sanic.request")) or environ.get("REMOTE_ADDR")
            return True

        async def disconnect(sid: str) -> None:
            connect_tokens.pop(sid, None)
            connect_ips.pop(sid, None)
            socket_sessions.pop(sid, None)

        async def confirm_session(sid: str, asked: Any) -> str:
            # Rasa 3.6 calls `sio.enter_room` without await; in python-socketio 5.x it is a
            # coroutine, so the socket never joined its session's room and replies went nowhere.
            session = asked if sessions.is_valid(asked) else sessions.issue()
            previous = socket_sessions.get(sid)
            if previous and previous != session:
                await sio.leave_room(sid, previous, namespace=namespace)
            socket_sessions[sid] = session
            if self.session_persistence:
                await sio.enter_room(sid, session, namespace=namespace)
            await sio.emit("session_confirm", session, room=sid, namespace=namespace)
            return session

        async def session_request(sid: str, data: Any) -> None:
            await confirm_session(sid, data.get("session_id") if isinstance(data, dict) else None)

        async def handle_message(sid: str, data: Any) -> Any:
            if not isinstance(data, dict):
                return None
            if not isinstance(data.get("message"), str):
                data["message"] = ""  # answered as a message without words (channels/limits.py)
            data[self.metadata_key] = metadata_object(data.get(self.metadata_key))
            if self.session_persistence:
                session = socket_sessions.get(sid) or await confirm_session(sid, None)
                if data.get("session_id") != session:
                    logger.info("socket.io message for another conversation sent to its own instead")
                data["session_id"] = session
            # A message without its own token speaks for whoever the socket connected as; the
            # rasa-webchat widget carries it in `customData` instead of the metadata.
            custom_data = data.get("customData")
            custom = custom_data if isinstance(custom_data, dict) else {}
            token = custom.get("token") or connect_tokens.get(sid)
            metadata = data[self.metadata_key]
            if token and not metadata.get("token"):
                data[self.metadata_key] = {**metadata, "token": token}
            client_ip.set(connect_ips.get(sid))
            return await rasa_message_handler(sid, data)

        handlers["connect"] = connect
        handlers["disconnect"] = disconnect
        handlers["session_request"] = session_request
        handlers[self.user_message_evt] = handle_message
        return blueprint
