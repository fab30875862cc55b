"""Conversation ids the server issues and signs, so that knowing one is not enough to pick another.

A Rasa conversation is addressed by its sender id: whoever sends a message with it continues that
conversation (its cart, its checkout) and, on socket.io, receives its replies. If clients chose the
id ("guest-42", a counter, a name) anyone could guess another guest's. So the channels accept only
ids they issued themselves: 128 random bits, signed with CHAT_SESSION_SECRET (itsdangerous, HMAC-SHA256
on a salt of its own, so the key may be shared with the chat token's without the two being
confusable). An id the server did not sign is refused on REST (HTTP 403, with where to get one) and
replaced by a new one on socket.io.

CHAT_SESSION_SECRET defaults to CHAT_JWT_SECRET (also a secret only the Rasa servers hold); it can
be rotated like the others (CHAT_SESSION_SECRET_PREVIOUS / _PREVIOUS_UNTIL). With neither set, a
random key lives as long as the process and a warning says so: conversations do not survive a restart.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Sequence
from typing import Any

from itsdangerous import BadSignature, Signer

from channels.settings import ChannelSettings
from service_common.secret_rotation import accepted_from_env

logger = logging.getLogger(__name__)

SALT = "restaurant-chat-session"
MAX_LENGTH = 128  # an issued id is 76 characters; anything much longer is not ours


class SessionIds:
    """Issues and checks signed conversation ids; `keys` are the accepted secrets, current first."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a session signer needs at least one key")
        # itsdangerous signs with the last key and accepts all of them
        self._signer = Signer(list(reversed(keys)), salt=SALT, digest_method=hashlib.sha256)

    @classmethod
    def from_env(cls, fallback: str | None = None) -> SessionIds:
        """Keys from CHAT_SESSION_SECRET, else `fallback` (the channel's jwt_key) or CHAT_JWT_SECRET."""
        keys = accepted_from_env("CHAT_SESSION_SECRET")
        if not keys:
            keys = accepted_from_env("CHAT_JWT_SECRET", current=fallback or ChannelSettings().chat_jwt_secret)
        if not keys:
            logger.warning(
                "neither CHAT_SESSION_SECRET nor CHAT_JWT_SECRET is set: conversation ids are "
                "signed with a random key and end when this process restarts"
            )
            keys = [secrets.token_urlsafe(32)]
        return cls(keys)

    def issue(self) -> str:
        return self._signer.sign(secrets.token_hex(16)).decode()

    def is_valid(self, sender: Any) -> bool:
        if not isinstance(sender, str) or not sender or len(sender) > MAX_LENGTH:
            return False
        try:
            self._signer.unsign(sender)
        except BadSignature:
            return False
        return True
