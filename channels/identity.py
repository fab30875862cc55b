"""Who is chatting: the short-lived token the backend gives a logged-in guest's chat page.

The token is an HS256 JWT whose `sub` is the opaque customer id (``cus_...``); it carries no name,
e-mail or phone. Channels verify it at the edge and put only the verified customer id into the
message metadata, so the action server never trusts an id a client made up, and the token itself
is not stored in the tracker. A tampered or expired token is refused with a clear message and the
conversation goes on as a guest, told so once (remembered in this process, or in Redis for every Rasa
server with CHAT_REDIS_URL). Every message is judged on its own: an identity proven
on an earlier message never carries over (actions/common.customer_id reads the latest message only).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt
from redis import asyncio as redis_asyncio

from channels.settings import ChannelSettings
from service_common.customer_ids import is_customer_id
from service_common.secret_rotation import accepted_from_env, check_deadlines

logger = logging.getLogger(__name__)

REFUSED_NOTICE = (
    "Your sign-in has expired or isn't valid, so you're chatting as a guest. "
    "Log in again to order from your account."
)
# Metadata keys a client may not set itself: only the verified token decides who the guest is, and
# only staff (apps/support/takeover.py, through Rasa's HTTP API) write as a person of the restaurant.
IDENTITY_KEYS = ("token", "customer")
STAFF_KEYS = ("human", "staff")
MAX_TOLD = 50_000  # conversations remembered as told (per process; the oldest are forgotten first)
TOLD_FOR_SECONDS = 7 * 24 * 3600  # in Redis: how long a conversation is remembered as told


@dataclass(frozen=True)
class Verdict:
    customer: str | None = None
    problem: str | None = None  # "expired" or "invalid"; None for a valid token or no token


ROTATED_SECRETS = ("CHAT_JWT_SECRET", "CHAT_SESSION_SECRET")


def check_rotation_deadlines() -> None:
    """Refuse to start (MalformedDeadline) on a malformed CHAT_*_PREVIOUS_UNTIL; the channels call it
    from from_credentials, i.e. when Rasa starts, not at a guest's message."""
    check_deadlines(ROTATED_SECRETS)


def chat_keys(jwt_key: str | None) -> list[str]:
    """The configured key (Rasa's `jwt_key` credential) plus, during a rotation, the previous one."""
    return accepted_from_env("CHAT_JWT_SECRET", current=jwt_key or "")


def verify_token(token: Any, keys: Sequence[str], algorithm: str = "HS256") -> Verdict:
    if not token:
        return Verdict()
    if not isinstance(token, str) or not keys:
        return Verdict(problem="invalid")
    token = token.removeprefix("Bearer ").strip()
    problem = "invalid"
    for key in keys:
        try:
            claims = jwt.decode(token, key, algorithms=[algorithm], options={"require": ["exp", "sub"]})
        except jwt.ExpiredSignatureError:
            problem = "expired"  # signed by us, but too old
            continue
        except jwt.InvalidTokenError:
            continue
        subject = str(claims.get("sub") or "")
        if is_customer_id(subject):
            return Verdict(customer=subject)
    logger.warning("chat token refused (%s)", problem)
    return Verdict(problem=problem)


def identify(
    metadata: dict[str, Any] | None,
    keys: Sequence[str],
    algorithm: str = "HS256",
    fallback_token: str | None = None,
) -> tuple[dict[str, Any], Verdict]:
    """Metadata with any client-set identity or staff mark removed and the verified customer id added."""
    metadata = dict(metadata or {}) if isinstance(metadata, dict) else {}
    token = metadata.get("token") or fallback_token
    for key in IDENTITY_KEYS + STAFF_KEYS:
        metadata.pop(key, None)
    verdict = verify_token(token, keys, algorithm)
    if verdict.customer:
        metadata["customer"] = verdict.customer
    return metadata, verdict


class ToldOnce:
    """Conversations already told their sign-in was refused: a client may keep sending the old token.

    In this process's memory, or in Redis (`redis_url`) so that several Rasa servers tell a guest once
    between them. If Redis cannot be reached the guest is told (again) rather than not at all.
    """

    def __init__(self, redis_url: str = "") -> None:
        self._memory: OrderedDict[str, None] = OrderedDict()
        self._redis = redis_asyncio.from_url(redis_url) if redis_url else None

    @classmethod
    def from_env(cls) -> ToldOnce:
        return cls(ChannelSettings().chat_redis_url)

    async def first_time(self, conversation: str) -> bool:
        """True the first time it is asked about this conversation, False after."""
        if self._redis is not None:
            try:
                return bool(
                    await self._redis.set(
                        f"restaurant:told-refused:{conversation}", 1, nx=True, ex=TOLD_FOR_SECONDS
                    )
                )
            except Exception:
                logger.warning("could not check whether the sign-in notice was given", exc_info=True)
                return True
        if conversation in self._memory:
            return False
        self._memory[conversation] = None
        if len(self._memory) > MAX_TOLD:
            self._memory.popitem(last=False)
        return True


def with_identity(
    on_new_message: Callable[[Any], Awaitable[Any]],
    jwt_key: str | None,
    algorithm: str,
    told: ToldOnce | None = None,
) -> Callable[[Any], Awaitable[Any]]:
    """Wrap a channel's handler of Rasa UserMessages: verify the token, tell the guest when it is refused."""
    told = told or ToldOnce.from_env()

    async def handle(message: Any) -> Any:
        message.metadata, verdict = identify(message.metadata, chat_keys(jwt_key), algorithm)
        if (
            verdict.problem
            and message.output_channel is not None
            and await told.first_time(message.sender_id)
        ):
            await message.output_channel.send_text_message(message.sender_id, REFUSED_NOTICE)
        return await on_new_message(message)

    return handle
