"""Secrets rotated without downtime: the current value and, until a set time, the previous one.

A secret NAME that a receiver checks (the service token, webhook and payment signing secrets, the
chat token key) may have NAME_PREVIOUS and NAME_PREVIOUS_UNTIL (ISO 8601; without a zone it is UTC)
beside it. While now < NAME_PREVIOUS_UNTIL both values are accepted; after it, or with no
NAME_PREVIOUS_UNTIL, only the current one. Senders always use the current value.

A malformed NAME_PREVIOUS_UNTIL raises MalformedDeadline, and every process checks its own at
start-up and refuses to start: ignoring it would end the window early and silently refuse the
senders still on the previous value, in the middle of the rotation it was meant to cover.

The one implementation for every process (the backend, the Rasa channels and the action server,
each importing the installed `service_common` package), so it imports only the standard library
and runs on Python 3.10 (Rasa) and 3.11.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone


class MalformedDeadline(ValueError):
    """A NAME_PREVIOUS_UNTIL that is not an ISO 8601 time."""


def parse_until(value: str | datetime | None, setting: str = "the rotation deadline") -> datetime | None:
    """The end of the rotation window as an aware datetime (naive means UTC); None when unset."""
    if isinstance(value, datetime):
        moment = value
    else:
        text = (value or "").strip()
        if not text:
            return None
        try:  # Python 3.10's fromisoformat does not read a trailing Z
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text)
        except ValueError as exc:
            raise MalformedDeadline(
                f"{setting} must be an ISO 8601 time (e.g. 2026-12-01T12:00:00Z), not {text!r}"
            ) from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def accepted_secrets(
    current: str,
    previous: str = "",
    previous_until: str | datetime | None = "",
    now: datetime | None = None,
    *,
    setting: str = "the rotation deadline",
) -> list[str]:
    """The values a receiver accepts right now, current first."""
    values = [current] if current else []
    until = parse_until(previous_until, setting)
    now = now or datetime.now(timezone.utc)
    if previous and previous != current and until is not None and now < until:
        values.append(previous)
    return values


def accepted_from_env(
    name: str,
    environ: Mapping[str, str] | None = None,
    now: datetime | None = None,
    current: str | None = None,
) -> list[str]:
    """accepted_secrets() for NAME, NAME_PREVIOUS and NAME_PREVIOUS_UNTIL in the environment."""
    environ = os.environ if environ is None else environ
    return accepted_secrets(
        environ.get(name, "") if current is None else current,
        environ.get(f"{name}_PREVIOUS", ""),
        environ.get(f"{name}_PREVIOUS_UNTIL", ""),
        now,
        setting=f"{name}_PREVIOUS_UNTIL",
    )


def check_deadlines(names: Iterable[str], environ: Mapping[str, str] | None = None) -> None:
    """Raise MalformedDeadline for the first NAME_PREVIOUS_UNTIL of `names` that is malformed (at start-up)."""
    environ = os.environ if environ is None else environ
    for name in names:
        parse_until(environ.get(f"{name}_PREVIOUS_UNTIL", ""), f"{name}_PREVIOUS_UNTIL")
