"""Short-lived chat tokens: how the website chat proves which customer a logged-in guest is.

The token is an HS256 JWT signed with CHAT_JWT_SECRET::

    {"sub": "cus_...", "iat": <issued, unix seconds>, "exp": <iat + CHAT_TOKEN_TTL_SECONDS>,
     "iss": "restaurant-backend"}

The widget sends it when it connects to Rasa's socket.io channel (``auth: {token}``) and with every
message (metadata ``token``); the action server verifies it and takes the customer from ``sub``. It
carries only the opaque customer id, never a name, e-mail or phone number, and no ``aud`` claim
(Rasa decodes with ``jwt.decode(token, key, algorithms=...)``, which rejects tokens with an audience).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

import jwt
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.customers.models import Customer

ALGORITHM = "HS256"
ISSUER = "restaurant-backend"


@dataclass(frozen=True)
class ChatToken:
    token: str
    expires_at: datetime

    @property
    def expires_at_iso(self) -> str:
        """The expiry as ISO 8601 UTC with a Z, as the page and /chat/token/ give it to the widget."""
        return self.expires_at.astimezone(dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _secret() -> str:
    secret = settings.CHAT_JWT_SECRET
    if not secret:
        raise ImproperlyConfigured("CHAT_JWT_SECRET must be set to give logged-in guests a chat token.")
    return secret


def mint_chat_token(customer: Customer, *, now: datetime | None = None) -> ChatToken:
    """A token for `customer`, valid for CHAT_TOKEN_TTL_SECONDS from `now`, signed with the current secret."""
    issued = (now or datetime.now(tz=dt_timezone.utc)).replace(microsecond=0)
    expires = issued + timedelta(seconds=settings.CHAT_TOKEN_TTL_SECONDS)
    claims = {
        "sub": customer.public_id,
        "iat": int(issued.timestamp()),
        "exp": int(expires.timestamp()),
        "iss": ISSUER,
    }
    return ChatToken(jwt.encode(claims, _secret(), algorithm=ALGORITHM), expires)


def decode_chat_token(token: str, *, leeway: float = 0) -> dict[str, Any]:
    """The verified claims of a chat token; raises jwt.InvalidTokenError if it is forged, altered or expired.

    The same check a verifier elsewhere (action server) makes; here it documents and tests the format.
    """
    return jwt.decode(
        token,
        _secret(),
        algorithms=[ALGORITHM],
        issuer=ISSUER,
        leeway=leeway,
        options={"require": ["sub", "iat", "exp", "iss"]},
    )
