"""Masks personal data in guest text: emails, phone numbers (phonenumbers), card-like numbers, street addresses."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
CARD = re.compile(r"\b(?:\d[ -]?){12,18}\d\b")
STREET_WORDS = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|"
    r"square|sq|terrace|close|crescent|strasse|straße|via|rue|calle"
)
ADDRESS = re.compile(
    r"\b\d{1,5}[a-z]?,?\s+(?:[A-Z][\w'-]*\s+){0,3}(?:" + STREET_WORDS + r")\b\.?"
    r"|\b(?:[A-Z][\w'-]*\s+){1,3}(?:" + STREET_WORDS + r")\s+\d{1,5}[a-z]?\b"
    r"|\b[A-Z][a-z]+(?:strasse|straße|str\.)\s*\d{1,5}[a-z]?\b",
    re.IGNORECASE,
)
REGIONS = ("GB", "IE", "DE", "FR", "IT", "ES", "NL", "US")


def _mask_phones(text: str) -> str:
    if sum(c.isdigit() for c in text) < 7:  # no phone number can hide here; skip the (slow) matcher
        return text
    spans: list[tuple[int, int]] = []
    for region in REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
            if sum(c.isdigit() for c in match.raw_string) >= 7:
                spans.append((match.start, match.end))
    if not spans:
        return text
    out, pos = [], 0
    for start, end in sorted(set(spans)):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append("[phone]")
        pos = end
    out.append(text[pos:])
    return "".join(out)


def mask(text: Any) -> str:
    if text is None:
        return ""
    text = str(text)
    text = EMAIL.sub("[email]", text)
    text = CARD.sub("[card]", text)
    text = ADDRESS.sub("[address]", text)
    text = _mask_phones(text)
    return text


def mask_obj(value: Any) -> Any:
    """Masks every string inside a JSON-like value."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, list):
        return [mask_obj(v) for v in value]
    if isinstance(value, dict):
        return {k: mask_obj(v) for k, v in value.items()}
    return value
