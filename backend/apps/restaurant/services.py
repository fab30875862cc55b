"""Rules about where and when the restaurant serves."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from apps.restaurant.models import DAYS, DeliveryZone, Restaurant


def normalise_postcode(postcode: str) -> str:
    return re.sub(r"\s+", "", postcode or "").upper()


def find_zone(restaurant: Restaurant, postcode: str) -> DeliveryZone | None:
    """The delivery zone whose postcode (prefix) matches, e.g. "1011 AB" is in zone "1011"."""
    code = normalise_postcode(postcode)
    if not code or restaurant.pk is None:
        return None
    for zone in restaurant.zones.all():
        if any(code.startswith(normalise_postcode(p)) for p in zone.postcodes):
            return zone
    return None


def _parse(hhmm: str) -> time:
    hours, minutes = hhmm.split(":")
    return time(int(hours) % 24, int(minutes))


def is_open_at(restaurant: Restaurant, moment: datetime) -> bool:
    """Whether `moment` falls in an opening range; ranges closing after midnight are honoured."""
    local = moment.astimezone(ZoneInfo(restaurant.timezone or "UTC"))
    hours = restaurant.opening_hours or {}
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    now = local.time()
    for opens_s, closes_s in hours.get(today, []):
        opens, closes = _parse(opens_s), _parse(closes_s)
        if closes <= opens:  # runs past midnight
            if now >= opens:
                return True
        elif opens <= now < closes:
            return True
    for opens_s, closes_s in hours.get(yesterday, []):
        opens, closes = _parse(opens_s), _parse(closes_s)
        if closes <= opens and now < closes:
            return True
    return False


def cancellable_until(restaurant: Restaurant, placed_at: datetime) -> datetime:
    return placed_at + timedelta(minutes=restaurant.cancellation_window_minutes)
