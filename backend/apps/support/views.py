from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common import metrics
from apps.customers.models import resolve_customer
from apps.restaurant.models import get_restaurant
from apps.support.models import Handoff
from apps.support.waiting import follow_up, staff_available


class HandoffRequestSerializer(serializers.Serializer):
    conversation_id = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    customer = serializers.CharField(max_length=32, required=False, allow_null=True, default=None)


class HandoffSerializer(serializers.ModelSerializer):
    expected_response_minutes = serializers.SerializerMethodField()
    staff_available = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()

    class Meta:
        model = Handoff
        fields = ["id", "status", "created_at", "expected_response_minutes", "staff_available", "phone"]

    def get_expected_response_minutes(self, obj: Handoff) -> int:
        return settings.HANDOFF_EXPECTED_RESPONSE_MINUTES

    def get_staff_available(self, obj: Handoff) -> bool:
        """False when asked outside opening hours: nobody will come (the row is `abandoned`)."""
        return obj.status != Handoff.Status.ABANDONED

    def get_phone(self, obj: Handoff) -> str:
        return get_restaurant().phone


class HandoffCreateView(APIView):
    @extend_schema(request=HandoffRequestSerializer, responses={201: HandoffSerializer})
    def post(self, request: Request) -> Response:
        body = HandoffRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        available = staff_available()
        handoff = Handoff.objects.create(
            conversation_id=data["conversation_id"],
            reason=data["reason"],
            customer=resolve_customer(data["customer"]),
            status=Handoff.Status.OPEN if available else Handoff.Status.ABANDONED,
        )
        metrics.handoff_step("requested")
        if available:
            follow_up(handoff)
        else:
            metrics.handoff_step("abandoned")
        return Response(HandoffSerializer(handoff).data, status=status.HTTP_201_CREATED)
