"""Rasa's socket.io channel for the website chat, with the socket.io origin restricted.

Rasa 3.6 builds its socket.io server with CORS handling switched off, so any site could open a
websocket to it. This subclass keeps everything else (events, session persistence, `jwt_key`)
and refuses a connection whose Origin header is not one of the configured sites:
`allowed_origins` in credentials.yml, or the comma-separated CHAT_ALLOWED_ORIGINS variable.
HTTP long-polling CORS headers come from `rasa run --cors` (set to the same sites).
It also fixes session persistence, which Rasa 3.6 breaks with python-socketio 5.x (see below).
"""
from __future__ import annotations

import logging
import os
import uuid
from typing import Any, Awaitable, Callable, Dict, Iterable, Optional, Text

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

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
        credentials = credentials or {}
        channel = super().from_credentials({k: v for k, v in credentials.items() if k != "allowed_origins"})
        channel.allowed_origins = parse_origins(credentials.get("allowed_origins") or os.environ.get("CHAT_ALLOWED_ORIGINS"))
        return channel  # type: ignore[return-value]

    allowed_origins: list[str] = []

    def origin_allowed(self, origin: Optional[str]) -> bool:
        if not self.allowed_origins or "*" in self.allowed_origins:
            return True
        return bool(origin) and origin.rstrip("/") in self.allowed_origins

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        blueprint = super().blueprint(on_new_message)
        assert self.sio is not None
        handlers = self.sio.handlers[self.namespace or "/"]
        rasa_connect = handlers["connect"]

        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            origin = environ.get("HTTP_ORIGIN")
            if not self.origin_allowed(origin):
                logger.warning("socket.io connection refused from origin %s", origin)
                return False
            return await rasa_connect(sid, environ, auth)

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
        handlers["session_request"] = session_request
        return blueprint
