"""Request bodies of the cart and order endpoints, checked in the views before a service is called.

An invalid field of a cart change answers with the precise error the assistant acts on (invalid_quantity
with the value given, ...), as the cart services did before the views checked input: an input names it
in ``field_error``. The first invalid field, in declaration order, answers; any other invalid body gets
the generic validation_error with every field's messages.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty
from rest_framework.request import Request

from apps.common.errors import ApiError
from apps.ordering import carts
from apps.ordering.models import Order
from apps.restaurant.models import PAYMENT_METHODS


def json_object(request: Request) -> dict[str, Any]:
    if not isinstance(request.data, dict):
        raise ApiError(
            "validation_error",
            "Send a JSON object.",
            details={"non_field_errors": ["Expected a JSON object."]},
        )
    return request.data


class RequestInput(serializers.Serializer):
    def field_error(self, name: str, given: Any) -> ApiError | None:
        """The error an invalid ``name`` answers with (``given``: what was sent, ``empty`` if nothing);
        None: the generic validation_error."""
        return None


def validated(input_class: type[RequestInput], request: Request) -> dict[str, Any]:
    """The request's JSON object, checked by ``input_class``: its validated (typed) values."""
    return checked(input_class, json_object(request))


def checked(input_class: type[RequestInput], data: dict[str, Any]) -> dict[str, Any]:
    """A JSON object checked by ``input_class``: its validated (typed) values; the first invalid field's
    error (ApiError) or a ValidationError when it is not valid."""
    body = input_class(data=data)
    if body.is_valid():
        return body.validated_data
    for name in body.fields:
        if name in body.errors:
            error = body.field_error(name, body.initial_data.get(name, empty))
            if error is not None:
                raise error
    raise serializers.ValidationError(body.errors)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: "2", 2.0 and true are refused (IntegerField would take them)."""

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.STR)
class LenientTextField(serializers.Field):
    """Whatever was sent, as text ("" for nothing); the service normalises it (a postcode)."""

    def to_internal_value(self, data: Any) -> str:
        return str(data or "")

    def to_representation(self, value: Any) -> Any:
        return value


class CartCreateSerializer(RequestInput):
    customer = serializers.CharField(max_length=32, required=False, allow_null=True, default=None)
    channel = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    conversation_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class AddItemSerializer(RequestInput):  # the quantity's range (and the merged line's) is the service's rule
    item = StrictIntegerField()
    quantity = StrictIntegerField(default=1)
    options = serializers.ListField(child=StrictIntegerField(), required=False, allow_null=True, default=list)

    def field_error(self, name: str, given: Any) -> ApiError | None:
        if name == "item":
            return carts.item_required()
        if name == "quantity":
            return carts.invalid_quantity(given)
        return carts.options_not_a_list()


class FulfilmentSerializer(RequestInput):
    fulfilment = serializers.ChoiceField(choices=Order.Fulfilment.choices)
    postcode = LenientTextField(required=False, allow_null=True, default=None)

    def field_error(self, name: str, given: Any) -> ApiError | None:
        return carts.fulfilment_required() if name == "fulfilment" else None


class ReorderSerializer(RequestInput):
    customer = serializers.CharField(max_length=32)
    which = serializers.ChoiceField(choices=["last", "usual"], default="last")


class QuantitySerializer(RequestInput):  # the quantity's range is the cart service's rule
    quantity = StrictIntegerField()

    def field_error(self, name: str, given: Any) -> ApiError | None:
        if given is empty:
            return ApiError(
                "validation_error",
                "Please give the new quantity.",
                details={"quantity": ["This field is required."]},
            )
        return carts.invalid_quantity(given)


class OrderCreateSerializer(RequestInput):
    cart = serializers.IntegerField()
    fulfilment = serializers.ChoiceField(choices=Order.Fulfilment.choices)
    postcode = serializers.CharField(
        max_length=20, required=False, allow_null=True, allow_blank=True, default=None
    )
    requested_time = serializers.DateTimeField(required=False, allow_null=True, default=None)
    payment_method = serializers.ChoiceField(choices=PAYMENT_METHODS)
    customer = serializers.CharField(max_length=32, required=False, allow_null=True, default=None)
    conversation_id = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    # The total the guest was shown and said yes to; if today's prices give another, nothing is placed
    # (409 total_changed, with the new total) and the guest is asked again.
    expected_total = serializers.DecimalField(
        max_digits=10, decimal_places=2, required=False, allow_null=True, default=None
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["fulfilment"] == Order.Fulfilment.DELIVERY and not attrs.get("postcode"):
            raise serializers.ValidationError({"postcode": ["A postcode is needed for delivery."]})
        return attrs


class StatusSerializer(RequestInput):
    status = serializers.ChoiceField(choices=Order.Status.choices)
