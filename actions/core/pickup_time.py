"""Understanding a requested pickup/delivery time and checking it against the opening hours.

Duckling (the time parser Rasa's DucklingEntityExtractor uses) runs in process through PyPI's
`pyduckling-native-phihos`; it is loaded on first use, never at import. Nothing here knows Rasa:
the checkout form's validator calls `choose_time`, the summary calls `time_label`, and placing an
order calls `recheck`.

How a time is read, at a restaurant:
- "asap", "as soon as possible", "right now", "whenever it's ready" mean as soon as possible, which
  needs the kitchen open now and still open `MIN_LEAD_MINUTES` from now.
- A clock time without a day ("at half past seven", "7:30 pm", "around 8") means today. Duckling
  gives every reading of an ambiguous hour (07:30 and 19:30); the one inside the opening hours is
  taken, and when both are, the evening one.
- A named day ("tomorrow at noon") is honoured for today and tomorrow only.
- A time that cannot be had (kitchen closed, already past) is refused with a reason and, where there
  is one today or tomorrow, an offered time the guest can accept with a yes or a button.
"""

from __future__ import annotations

import functools
import os
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MIN_LEAD_MINUTES = 15
OFFER_ROUNDING_MINUTES = 5
MAX_ANSWER_CHARS = 200  # a time answer is short; Duckling need not read a pasted essay
# Ways of saying "as soon as possible" that Duckling has no time for ("asap", "right now" it has).
ASAP_PHRASES = (
    "whenever",
    "when it's ready",
    "when its ready",
    "when ready",
    "straight away",
    "right away",
    "soon",
    "soonest",
)
# Words that may stand around a bare number that is meant as a time ("at 8 please").
FILLER_WORDS = {"at", "for", "around", "about", "by", "please", "say", "maybe", "ish", "o'clock"}
NOT_A_TIME = (
    'Sorry, I didn\'t get that time. You can say "asap", a time like "19:30" or "half past seven", '
    'or "in 45 minutes".'
)
COARSE_GRAINS = {"day", "week", "month", "quarter", "year"}


@dataclass
class TimeChoice:
    """'asap' or an ISO timestamp with the text to show the guest; or why it cannot be.

    `offer` is an ISO timestamp the guest may accept instead (with a yes or a button), `offer_label`
    how to show it; both are empty when there is nothing to offer. `understood` is False when the
    text was not a time at all.
    """

    value: str | None
    label: str = ""
    problem: str = ""
    offer: str | None = None
    offer_label: str = ""
    understood: bool = True


@dataclass(frozen=True)
class Reading:
    """What the guest said, read as times: as soon as possible, or the readings of one day."""

    asap: bool = False
    moments: tuple[datetime, ...] = ()
    exact: bool = False  # an ISO timestamp (an offered time being accepted): no lead time re-applied
    coarse: bool = False  # a day without a time of day ("tomorrow")


# ---------------------------------------------------------------------------------- Duckling


def _zoneinfo_dir() -> str:
    """The time zone database Duckling loads: the system's, or the `tzdata` package's."""
    for path in zoneinfo.TZPATH:
        if os.path.isdir(path):
            return path
    import tzdata  # pragma: no cover - only on systems without /usr/share/zoneinfo

    return os.path.join(os.path.dirname(tzdata.__file__), "zoneinfo")  # pragma: no cover


@dataclass
class _Duckling:
    """Duckling's time zones, English locale and the dimensions we ask for, built once."""

    module: Any
    time_zones: Any
    locale: Any
    dimensions: Any

    def parse(
        self, text: str, reference: datetime, zone_name: str, *, latent: bool = False
    ) -> list[dict[str, Any]]:
        ref = self.module.parse_ref_time(self.time_zones, zone_name, int(reference.timestamp()))
        context = self.module.Context(ref, self.locale)
        # Duckling's results, decoded from its JSON
        results: list[dict[str, Any]] = self.module.parse(text, context, self.dimensions, latent)
        return results


@functools.lru_cache(maxsize=1)
def _duckling() -> _Duckling:
    import duckling

    return _Duckling(
        module=duckling,
        time_zones=duckling.load_time_zones(_zoneinfo_dir()),
        locale=duckling.default_locale_lang(duckling.parse_lang("EN")),
        dimensions=duckling.parse_dimensions(["time", "duration"]),
    )


def _first_time(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((result for result in results if result.get("dim") in ("time", "duration")), None)


def _instants(result: dict[str, Any], reference: datetime) -> list[tuple[datetime, str]]:
    """Every reading Duckling gives for one result, with its grain ("minute", "day", ...)."""
    value = result["value"]
    if result["dim"] == "duration":
        return [(reference + timedelta(seconds=value["normalized"]["value"]), "second")]
    readings = []
    for option in value.get("values") or [value]:
        point = _interval_point(option, reference) if option.get("type") == "interval" else option
        if point and point.get("value"):
            readings.append(
                (datetime.fromisoformat(point["value"]).astimezone(reference.tzinfo), point.get("grain", ""))
            )
    return readings


def _interval_point(interval: dict[str, Any], reference: datetime) -> dict[str, Any] | None:
    """ "tonight", "after 7pm": where it starts; "by 8pm" (from now until 8): where it ends."""
    start: dict[str, Any] | None = interval.get("from")
    end: dict[str, Any] | None = interval.get("to")
    if start and end and _near(start.get("value"), reference):
        return end
    return start or end


def _is_open_ended_now(result: dict[str, Any], reference: datetime) -> bool:
    """Duckling's "asap"/"as soon as possible" (an interval from now) and "now"/"right now"."""
    value = result["value"]
    if result["dim"] != "time":
        return False
    if value.get("type") == "interval":
        start = (value.get("from") or {}).get("value")
        return start is not None and not value.get("to") and _near(start, reference)
    return value.get("grain") == "second" and _near(value.get("value"), reference)


def _near(iso: str | None, reference: datetime) -> bool:
    return iso is not None and abs((datetime.fromisoformat(iso) - reference).total_seconds()) < 90


def _is_bare_number(text: str, body: str) -> bool:
    """ "8", "at 8 please": a latent Duckling time is only taken when nothing else was said."""
    rest = text.lower().replace(body.lower(), " ", 1)
    return all(word.strip(".,!?") in FILLER_WORDS for word in rest.split())


def _says_asap(text: str) -> bool:
    words = " ".join(word.strip(".,!?") for word in text.lower().split())
    return any(f" {phrase} " in f" {words} " for phrase in ASAP_PHRASES)


def read_time(text: str, now: datetime) -> Reading | None:
    """Read a time answer with Duckling. None when the text holds no time."""
    text = " ".join(str(text or "").split())[:MAX_ANSWER_CHARS]
    if not text:
        return None
    exact = _iso(text, now)
    if exact is not None:
        return Reading(moments=(exact,), exact=True)
    now = now.replace(microsecond=0)  # Duckling's reference time is in whole seconds
    zone_name = getattr(now.tzinfo, "key", "UTC")
    parser = _duckling()
    found = _first_time(parser.parse(text, now, zone_name))
    if found is None:
        if _says_asap(text):
            return Reading(asap=True)
        latent = _first_time(parser.parse(text, now, zone_name, latent=True))
        if latent is None or not _is_bare_number(text, latent.get("body", "")):
            return None
        found = latent
    if _is_open_ended_now(found, now):
        return Reading(asap=True)
    return _anchor_to_a_day(text, found, now, zone_name, parser)


def says_a_time(text: str) -> bool:
    """Whether the text holds a time at all (asap included), whatever the restaurant's hours."""
    return read_time(text, datetime.now(timezone.utc)) is not None


def _anchor_to_a_day(
    text: str, found: dict[str, Any], now: datetime, zone_name: str, parser: _Duckling
) -> Reading:
    """Keep the readings of the day the guest meant.

    Duckling reads "half past seven" at 20:00 as tomorrow 07:30 (the next one). A guest who names no
    day means today, so clock times are read again from today's midnight; relative times ("in 45
    minutes") keep reading from now. A relative time is one whose distance from the reference does
    not change with the reference.
    """
    readings = _instants(found, now)
    if not readings:
        return Reading(coarse=True)
    midnight = datetime.combine(now.date(), time(0), tzinfo=now.tzinfo)
    again = _first_time(parser.parse(text, midnight, zone_name, latent=found.get("latent", False)))
    if again is not None and found["dim"] == "time":
        from_midnight = _instants(again, midnight)
        shift = (from_midnight[0][0] - midnight) - (readings[0][0] - now) if from_midnight else timedelta(0)
        if abs(shift) > timedelta(minutes=2):  # Duckling rounds relative times to their grain
            readings = from_midnight
    if not readings or readings[0][1] in COARSE_GRAINS:
        return Reading(coarse=True)
    day = readings[0][0].date()
    return Reading(moments=tuple(sorted(moment for moment, _ in readings if moment.date() == day)))


def _iso(text: str, now: datetime) -> datetime | None:
    """An ISO timestamp with an offset (what an offered-time button sends back), in the local zone."""
    if len(text) < 16 or not text[:4].isdigit():
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(now.tzinfo) if moment.tzinfo else None


# ---------------------------------------------------------------------------------- opening hours


@dataclass(frozen=True)
class OpeningHours:
    """The restaurant's opening ranges around `now` (yesterday to tomorrow) as local datetimes."""

    now: datetime
    ranges: tuple[tuple[datetime, datetime], ...]
    by_day: dict[str, list[tuple[str, str]]]

    @classmethod
    def of(cls, restaurant: dict[str, Any], now: datetime) -> OpeningHours:
        by_day: dict[str, list[tuple[str, str]]] = {}
        for entry in restaurant.get("opening_hours") or []:
            by_day.setdefault(entry.get("day", ""), []).append((entry["opens"], entry["closes"]))
        ranges = []
        for offset in (-1, 0, 1):
            day = now.date() + timedelta(days=offset)
            for opens, closes in by_day.get(WEEKDAYS[day.weekday()], []):
                start, end = _at(day, opens, now), _at(day, closes, now)
                if end <= start:  # runs past midnight, as the backend reads it
                    end = _at(day + timedelta(days=1), closes, now)
                ranges.append((start, end))
        return cls(now=now, ranges=tuple(sorted(ranges)), by_day=by_day)

    def is_open(self, moment: datetime) -> bool:
        return any(start <= moment < end for start, end in self.ranges)

    def closes_after(self, moment: datetime) -> datetime | None:
        return next((end for start, end in self.ranges if start <= moment < end), None)

    def next_open(self, moment: datetime) -> datetime | None:
        """`moment` if open then, else the next opening, as long as it is today or tomorrow."""
        if self.is_open(moment):
            return moment
        last_day = self.now.date() + timedelta(days=1)
        return next((start for start, _ in self.ranges if start > moment and start.date() <= last_day), None)

    def describe(self, day: date) -> str:
        ranges = self.by_day.get(WEEKDAYS[day.weekday()], [])
        return ", ".join(f"{opens}–{closes}" for opens, closes in ranges) or "closed"


def _at(day: date, hhmm: str, now: datetime) -> datetime:
    hours, minutes = (int(part) for part in hhmm.split(":")[:2])
    return datetime.combine(day, time(hours % 24, minutes), tzinfo=now.tzinfo)


# ---------------------------------------------------------------------------------- choosing


def choose_time(raw: Any, restaurant: dict[str, Any], now: datetime | None = None) -> TimeChoice:
    """What the guest's answer to "When would you like it?" comes to, checked against the hours."""
    zone = ZoneInfo(restaurant.get("timezone") or "UTC")
    now = (now or datetime.now(zone)).astimezone(zone)
    reading = read_time(str(raw or ""), now)
    if reading is None:
        return TimeChoice(value=None, problem=NOT_A_TIME, understood=False)
    if reading.coarse:
        return TimeChoice(
            value=None, problem='At what time? For example "tomorrow at 12:30" or "tonight at 7".'
        )
    hours = OpeningHours.of(restaurant, now)
    if reading.asap:
        return _asap(hours, now)
    return _at_a_time(reading, hours, now)


def _asap(hours: OpeningHours, now: datetime) -> TimeChoice:
    ready = now + timedelta(minutes=MIN_LEAD_MINUTES)
    if hours.is_open(now) and hours.is_open(ready):
        return TimeChoice(value="asap", label="as soon as possible")
    offer = hours.next_open(_round_up(ready))
    closing = hours.closes_after(now)
    if closing is not None:
        reason = f"Sorry, the kitchen closes at {closing:%H:%M}, too soon to make your order now."
    else:
        opening = hours.next_open(now)
        reason = (
            f"We're closed right now; we open {time_label(opening.isoformat(), now)}."
            if opening
            else "We're closed right now."
        )
    return _offer(reason, offer, now)


def _at_a_time(reading: Reading, hours: OpeningHours, now: datetime) -> TimeChoice:
    if reading.moments[0].date() > now.date() + timedelta(days=1):
        return TimeChoice(
            value=None, problem="I can only schedule orders for today or tomorrow. Which time would suit you?"
        )
    earliest = now if reading.exact else now + timedelta(minutes=MIN_LEAD_MINUTES)
    possible = [moment for moment in reading.moments if moment >= earliest and hours.is_open(moment)]
    if possible:
        chosen = possible[-1]  # an ambiguous hour: the evening reading when both are open
        return TimeChoice(value=chosen.isoformat(), label=time_label(chosen.isoformat(), now))
    if any(now <= moment < earliest and hours.is_open(moment) for moment in reading.moments):
        return TimeChoice(
            value=None,
            problem=f"That's too soon for the kitchen; we need at least {MIN_LEAD_MINUTES} "
            'minutes. Would "asap" or a later time work?',
        )
    wanted, offer = _nearest_offer(reading.moments, hours, earliest)
    day = _day_word(wanted, now)
    if wanted < now:
        reason = f"{wanted:%H:%M} has already passed {day}."
    else:
        reason = f"We're not open at {wanted:%H:%M} {day} ({day}: {hours.describe(wanted.date())})."
    return _offer(reason, offer, now)


def _nearest_offer(
    moments: tuple[datetime, ...], hours: OpeningHours, earliest: datetime
) -> tuple[datetime, datetime | None]:
    """The reading the guest most likely meant and the closest time we can do instead.

    A past reading moves to the same time tomorrow, a too-soon one to the earliest the kitchen can
    do, a closed one to the next opening. The reading
    whose offer moves it least wins (ties: the evening reading).
    """
    best: tuple[timedelta, datetime, datetime | None] = (timedelta.max, moments[-1], None)
    for moment in moments:
        shifted = moment + timedelta(days=1) if moment < hours.now else moment
        offer = hours.next_open(_round_up(max(shifted, earliest)))
        if offer is not None and offer - moment <= best[0]:
            best = (offer - moment, moment, offer)
    return best[1], best[2]


def _offer(reason: str, offer: datetime | None, now: datetime) -> TimeChoice:
    if offer is None:
        return TimeChoice(
            value=None,
            problem=f"{reason} I can only schedule orders for today or tomorrow "
            "within our opening hours. Which time would suit you?",
        )
    label = time_label(offer.isoformat(), now)
    return TimeChoice(
        value=None,
        problem=f"{reason} Shall I schedule it for {label}?",
        offer=offer.isoformat(),
        offer_label=label,
    )


def _round_up(moment: datetime) -> datetime:
    step = OFFER_ROUNDING_MINUTES
    extra = (-moment.minute) % step
    rounded = moment.replace(second=0, microsecond=0) + timedelta(minutes=extra)
    return rounded if rounded >= moment else rounded + timedelta(minutes=step)


# ---------------------------------------------------------------------------------- showing, re-checking


def _day_word(moment: datetime, now: datetime) -> str:
    days = (moment.date() - now.astimezone(moment.tzinfo).date()).days
    if days == 0:
        return "today"
    if days == 1:
        return "tomorrow"
    return f"on {moment:%A %-d %B}"


def time_label(value: str | None, now: datetime | None = None) -> str:
    """'as soon as possible', 'today at 19:30', 'tomorrow at 12:00' (relative to `now`)."""
    if not value or value == "asap":
        return "as soon as possible"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return f"today at {moment:%H:%M}"
    now = (now or datetime.now(moment.tzinfo)).astimezone(moment.tzinfo)
    return f"{_day_word(moment, now)} at {moment:%H:%M}"


def recheck(value: str | None, restaurant: dict[str, Any], now: datetime | None = None) -> str:
    """Why an accepted time can no longer be had when the order is placed ("" when it still can)."""
    zone = ZoneInfo(restaurant.get("timezone") or "UTC")
    now = (now or datetime.now(zone)).astimezone(zone)
    hours = OpeningHours.of(restaurant, now)
    if not value or value == "asap":
        return (
            ""
            if hours.is_open(now)
            else "We've closed in the meantime, so I can't make it as soon as possible."
        )
    moment = datetime.fromisoformat(value).astimezone(zone)
    if moment < now:
        return f"The time you chose ({time_label(value, now)}) has passed in the meantime."
    if not hours.is_open(moment):
        return f"We're not open {time_label(value, now)}."
    return ""
