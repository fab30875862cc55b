"""Phone numbers as guests type them -> one canonical form (E.164, e.g. +31612345678)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError

INVALID = "Enter a phone number we can text, e.g. +31 6 12345678."


def normalise_phone(raw: str, region: str | None = None) -> str:
    """The number in E.164; "" for an empty value. Numbers without +country code are read as
    ACCOUNTS_PHONE_REGION numbers. Raises ValidationError for something that is not a valid number."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region or settings.ACCOUNTS_PHONE_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(INVALID, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(INVALID, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
