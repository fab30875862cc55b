"""What every POS adapter offers: take an order (accepted or rejected), withdraw a cancelled one, or raise
on an outage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from apps.ordering.models import Order


class PosUnavailable(Exception):
    """The POS could not be reached or answered 5xx/429: try again later, the order is not refused."""


class PosRefused(Exception):
    """The POS answered that it will not do this (e.g. withdraw an order it has already completed)."""


@dataclass(frozen=True)
class PosResult:
    accepted: bool
    external_id: str = ""
    reason: str = ""
    version: int | None = None  # the POS's version of its ticket, if it needs one to change it later

    @classmethod
    def accept(cls, external_id: str = "", version: int | None = None) -> PosResult:
        return cls(accepted=True, external_id=external_id, version=version)

    @classmethod
    def reject(cls, reason: str) -> PosResult:
        return cls(accepted=False, reason=reason or "rejected by the POS")


class PosAdapter(Protocol):
    name: str

    def submit(self, order: Order) -> PosResult:
        """Send the order, under idempotency_key(order, name) so a resend makes no second ticket;
        raise PosUnavailable on an outage."""

    def withdraw(self, order: Order, accepted: PosResult) -> None:
        """Tell the POS that an order it accepted (as `accepted` says) was cancelled or rejected here;
        safe to repeat. Raise PosUnavailable on an outage, PosRefused if the POS won't."""


def idempotency_key(order: Order, adapter: str) -> str:
    """Stable for the order and POS, unique across databases (derived from the order's random token)."""
    digest = hashlib.sha256(f"pos:{adapter}:{order.details_token}".encode()).hexdigest()[:32]
    return f"order-{order.number or order.pk}-{digest}"
