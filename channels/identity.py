"""Who is chatting: the short-lived token the backend gives a logged-in guest's chat page.

The token is an HS256 JWT whose `sub` is the opaque customer id (``cus_...``); it carries no name,
e-mail or phone. Channels verify it at the edge and put only the verified customer id into the
message metadata, so the action server never trusts an id a client made up, and the token itself
is not stored in the tracker. A tampered or expired token is refused with a clear message and the
conversation goes on as a guest, told so once. Every message is judged on its own: an identity proven
on an earlier message never carries over (actions/common.customer_id reads the latest message only).
"""
from __future__ import annotations

import logging
import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence

import jwt

from secret_rotation import accepted_from_env

logger = logging.getLogger(__name__)

CUSTOMER_ID = re.compile(r"cus_[0-9a-f]{16}")
REFUSED_NOTICE = ("Your sign-in has expired or isn't valid, so you're chatting as a guest. "
                  "Log in again to order from your account.")
# Metadata keys a client may not set itself: only the verified token decides who the guest is.
IDENTITY_KEYS = ("token", "customer")
MAX_TOLD = 50_000  # conversations remembered as told (per process; the oldest are forgotten first)


@dataclass(frozen=True)
class Verdict:
    customer: Optional[str] = None
    problem: Optional[str] = None  # "expired" or "invalid"; None for a valid token or no token


def chat_keys(jwt_key: Optional[str]) -> list[str]:
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
        if CUSTOMER_ID.fullmatch(subject):
            return Verdict(customer=subject)
    logger.warning("chat token refused (%s)", problem)
    return Verdict(problem=problem)


def identify(metadata: Optional[Dict[str, Any]], keys: Sequence[str], algorithm: str = "HS256",
             fallback_token: Optional[str] = None) -> tuple[Dict[str, Any], Verdict]:
    """Metadata with any client-set identity removed and the verified customer id added."""
    metadata = dict(metadata or {}) if isinstance(metadata, dict) else {}
    token = metadata.get("token") or fallback_token
    for key in IDENTITY_KEYS:
        metadata.pop(key, None)
    verdict = verify_token(token, keys, algorithm)
    if verdict.customer:
        metadata["customer"] = verdict.customer
    return metadata, verdict


def with_identity(on_new_message: Callable[[Any], Awaitable[Any]], jwt_key: Optional[str],
                  algorithm: str) -> Callable[[Any], Awaitable[Any]]:
    """Wrap a channel's handler of Rasa UserMessages: verify the token, tell the guest when it is refused."""

    told: OrderedDict[str, None] = OrderedDict()  # conversations told their sign-in was refused

    async def handle(message: Any) -> Any:
        message.metadata, verdict = identify(message.metadata, chat_keys(jwt_key), algorithm)
        if verdict.problem and message.output_channel is not None and message.sender_id not in told:
            told[message.sender_id] = None  # once per conversation: a client may keep sending the old token
            if len(told) > MAX_TOLD:
                told.popitem(last=False)
            await message.output_channel.send_text_message(message.sender_id, REFUSED_NOTICE)
        return await on_new_message(message)

    return handle
