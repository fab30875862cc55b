"""Understanding a requested pickup/delivery time and checking it against the opening hours."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any, Optional
from zoneinfo import ZoneInfo

ASAP_WORDS = {"asap", "now", "right now", "as soon as possible", "soon", "straight away", "immediately", "whenever"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIN_LEAD_MINUTES = 15


@dataclass
class TimeChoice:
    """'asap' or an ISO timestamp, with the text to show the guest; or why it cannot be."""

    value: Optional[str]
    label: str = ""
    problem: str = ""


def parse_clock(text: str, now: datetime) -> Optional[datetime]:
    """'7pm', '7:30 pm', '19:30', 'at 8', 'in 30 minutes' → a time today (None if not a time)."""
    text = text.strip().lower()
    relative = re.fullmatch(r"(?:in\s+)?(\d{1,3})\s*(?:min|mins|minutes)", text) or re.fullmatch(r"in (an|1) hour", text)
    if relative:
        minutes = 60 if relative.group(1) in ("an", "1") and "hour" in text else int(relative.group(1))
        return now + timedelta(minutes=minutes)
    clock = re.fullmatch(r"(?:at\s+)?(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?", text)
    if not clock:
        return None
    hour, minute, meridiem = int(clock.group(1)), int(clock.group(2) or 0), clock.group(3)
    if meridiem and meridiem.startswith("p") and hour < 12:
        hour += 12
    elif meridiem and meridiem.startswith("a") and hour == 12:
        hour = 0
    elif not meridiem and hour < 11 and clock.group(2) is None:
        hour += 12  # "at 7" in a restaurant means the evening
    if hour > 23 or minute > 59:
        return None
    return now.replace(hour=hour, minute=minute, second=0, microsecond=0)


def choose_time(raw: Any, restaurant: dict[str, Any], now: Optional[datetime] = None) -> TimeChoice:
    zone = ZoneInfo(restaurant.get("timezone") or "UTC")
    now = (now or datetime.now(zone)).astimezone(zone)
    text = str(raw or "").strip().lower()
    if text in ASAP_WORDS:
        return TimeChoice(value="asap", label="as soon as possible")
    wanted = parse_clock(text, now)
    if wanted is None:
        return TimeChoice(value=None, problem="Sorry, I didn't get that time. Try \"asap\", \"7pm\" or \"19:30\".")
    if wanted < now + timedelta(minutes=MIN_LEAD_MINUTES):
        return TimeChoice(value=None, problem=f"That's too soon for the kitchen; we need at least {MIN_LEAD_MINUTES} minutes. "
                          "Would \"asap\" or a later time work?")
    ranges = _ranges_for(restaurant, WEEKDAYS[now.weekday()])
    if not any(opens <= wanted.time() <= closes for opens, closes in ranges):
        hours = ", ".join(f"{o:%H:%M}–{c:%H:%M}" for o, c in ranges) or "closed"
        return TimeChoice(value=None, problem=f"We're not open then (today: {hours}). Which time would suit you?")
    return TimeChoice(value=wanted.isoformat(), label=f"today at {wanted:%H:%M}")


def _ranges_for(restaurant: dict[str, Any], day: str) -> list[tuple[time, time]]:
    ranges = []
    for entry in restaurant.get("opening_hours") or []:
        if entry.get("day") == day:
            ranges.append((time.fromisoformat(entry["opens"]), time.fromisoformat(entry["closes"])))
    return ranges


def time_label(value: Optional[str]) -> str:
    if not value or value == "asap":
        return "as soon as possible"
    return f"today at {datetime.fromisoformat(value):%H:%M}"
