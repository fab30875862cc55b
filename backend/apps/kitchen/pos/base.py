"""What every POS adapter offers: take an order, answer accepted or rejected, or raise on outage."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from apps.ordering.models import Order


class PosUnavailable(Exception):
    """The POS could not be reached or answered 5xx/429: try again later, the order is not refused."""


@dataclass(frozen=True)
class PosResult:
    accepted: bool
    external_id: str = ""
    reason: str = ""

    @classmethod
    def accept(cls, external_id: str = "") -> PosResult:
        return cls(accepted=True, external_id=external_id)

    @classmethod
    def reject(cls, reason: str) -> PosResult:
        return cls(accepted=False, reason=reason or "rejected by the POS")


class PosAdapter(Protocol):
    name: str

    def submit(self, order: Order) -> PosResult:
        """Send the order, under idempotency_key(order, name) so a resend makes no second ticket;
        raise PosUnavailable on an outage."""


def idempotency_key(order: Order, adapter: str) -> str:
    """Stable for the order and POS, unique across databases (derived from the order's random token)."""
    digest = hashlib.sha256(f"pos:{adapter}:{order.details_token}".encode()).hexdigest()[:32]
    return f"order-{order.number or order.pk}-{digest}"
