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

A message over CHAT_MAX_MESSAGE_CHARS, or over the per-conversation (session id) or per-IP message
rate, is answered by the channel and goes no further (channels/limits.py). The IP is taken at connect.
"""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from socketio.exceptions import ConnectionRefusedError

from channels import speedups
from channels.identity import REFUSED_NOTICE, chat_keys, verify_token
from channels.limits import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRateLimit,
    client_ip,
    max_message_chars,
    request_ip,
    with_rate_limit,
    with_size_limit,
)
from channels.rest import with_identity

logger = logging.getLogger(__name__)


def parse_origins(value: Optional[Iterable[str] | str]) -> list[str]:
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [item.strip().rstrip("/") for item in items if item and item.strip()]


class WebsiteSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"  # same URL (/socket.io) and webhook name as Rasa's own channel

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebsiteSocketIOInput":
        speedups.apply()
        credentials = credentials or {}
        channel = super().from_credentials({k: v for k, v in credentials.items() if k != "allowed_origins"})
        channel.allowed_origins = parse_origins(credentials.get("allowed_origins") or os.environ.get("CHAT_ALLOWED_ORIGINS"))
        channel.message_limit = max_message_chars()
        channel.rate_limit = MessageRateLimit.from_env()
        return channel  # type: ignore[return-value]

    allowed_origins: list[str] = []
    message_limit: int = DEFAULT_MAX_MESSAGE_CHARS  # characters; CHAT_MAX_MESSAGE_CHARS at start
    rate_limit: Optional[MessageRateLimit] = None  # CHAT_RATE_LIMIT_* at start

    def origin_allowed(self, origin: Optional[str]) -> bool:
        if not self.allowed_origins or "*" in self.allowed_origins:
            return True
        return bool(origin) and origin.rstrip("/") in self.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = with_identity(on_new_message, self.jwt_key, self.jwt_algorithm or "HS256")
        handler = with_size_limit(handler, self.message_limit)
        blueprint = super().blueprint(with_rate_limit(handler, self.rate_limit or MessageRateLimit.from_env()))
        assert self.sio is not None
        handlers = self.sio.handlers[self.namespace or "/"]
        rasa_message_handler = handlers[self.user_message_evt]
        connect_tokens: Dict[str, str] = {}
        connect_ips: Dict[str, Optional[str]] = {}

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
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

        async def disconnect(sid: Text) -> None:
            connect_tokens.pop(sid, None)
            connect_ips.pop(sid, None)

        async def handle_message(sid: Text, data: Dict) -> Any:
            # A message without its own token speaks for whoever the socket connected as; the
            # rasa-webchat widget carries it in `customData` instead of the metadata.
            if isinstance(data, dict):
                custom = data.get("customData") if isinstance(data.get("customData"), dict) else {}
                token = custom.get("token") or connect_tokens.get(sid)
                metadata = data.get(self.metadata_key) or {}
                if token and isinstance(metadata, dict) and not metadata.get("token"):
                    data[self.metadata_key] = {**metadata, "token": token}
            client_ip.set(connect_ips.get(sid))
            return await rasa_message_handler(sid, data)

        async def session_request(sid: Text, data: Optional[Dict]) -> None:
            # Rasa 3.6 calls `sio.enter_room` without await; in python-socketio 5.x it is a
            # coroutine, so the socket never joined its session's room and replies went nowhere.
            data = data or {}
            if not data.get("session_id"):
                data["session_id"] = uuid.uuid4().hex
            if self.session_persistence:
                await self.sio.enter_room(sid, data["session_id"], namespace=self.namespace or "/")
            await self.sio.emit("session_confirm", data["session_id"], room=sid, namespace=self.namespace or "/")

        handlers["connect"] = connect
        handlers["disconnect"] = disconnect
        handlers["session_request"] = session_request
        handlers[self.user_message_evt] = handle_message
        return blueprint
