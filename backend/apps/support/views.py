from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.customers.models import resolve_customer
from apps.support.models import Handoff


class HandoffRequestSerializer(serializers.Serializer):
    conversation_id = serializers.CharField(max_length=200)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    customer = serializers.CharField(max_length=32, required=False, allow_null=True, default=None)


class HandoffSerializer(serializers.ModelSerializer):
    expected_response_minutes = serializers.SerializerMethodField()

    class Meta:
        model = Handoff
        fields = ["id", "status", "created_at", "expected_response_minutes"]

    def get_expected_response_minutes(self, obj: Handoff) -> int:
        return settings.HANDOFF_EXPECTED_RESPONSE_MINUTES


class HandoffCreateView(APIView):
    @extend_schema(request=HandoffRequestSerializer, responses={201: HandoffSerializer})
    def post(self, request: Request) -> Response:
        body = HandoffRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data: dict[str, Any] = body.validated_data
        handoff = Handoff.objects.create(
            conversation_id=data["conversation_id"],
            reason=data["reason"],
            customer=resolve_customer(data["customer"]),
        )
        return Response(HandoffSerializer(handoff).data, status=status.HTTP_201_CREATED)
