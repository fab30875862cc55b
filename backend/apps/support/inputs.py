"""Request bodies of the staff takeover page's endpoints (apps.support.pages), checked before
apps.support.takeover is called.

A dish added to the guest's cart is the cart API's own input (apps.ordering.inputs.AddItemSerializer);
a dish already in it is that API's quantity change with the line it is for. An invalid field answers
with the error the page shows (as apps.ordering.inputs does).
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.common.errors import ApiError
from apps.ordering.inputs import QuantitySerializer, RequestInput, StrictIntegerField

MAX_MESSAGE_CHARS = 2000


class StrictCharField(serializers.CharField):
    """A JSON string: a number or true is refused (CharField would turn it into text)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StaffMessageSerializer(RequestInput):
    # the length is the text as sent; the guest gets it without surrounding blanks
    text = StrictCharField(max_length=MAX_MESSAGE_CHARS, trim_whitespace=False)

    def validate_text(self, value: str) -> str:
        if not value.strip():
            raise serializers.ValidationError("Write a message first.", code="blank")
        return value.strip()

    def field_error(self, name: str, given: Any) -> ApiError | None:
        if not isinstance(given, str) or not given.strip():
            return ApiError("empty_message", "Write a message first.")
        if len(given) > MAX_MESSAGE_CHARS:
            return ApiError(
                "message_too_long",
                f"Please keep a message under {MAX_MESSAGE_CHARS:,} characters.",
            )
        return None


class LineChangeSerializer(QuantitySerializer):
    """A dish already in the guest's cart (its line id) and its new quantity; 0 takes it out."""

    line = StrictIntegerField()

    def field_error(self, name: str, given: Any) -> ApiError | None:
        if name == "line":
            return ApiError(
                "validation_error",
                "Please say which dish in the cart to change.",
                details={"line": ["A cart line id is required."]},
            )
        return super().field_error(name, given)
