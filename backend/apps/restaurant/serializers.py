from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.restaurant.models import DAYS, DeliveryZone, Policy, Restaurant


class ZoneSerializer(serializers.ModelSerializer):
    min_order = serializers.SerializerMethodField()

    class Meta:
        model = DeliveryZone
        fields = ["name", "postcodes", "fee", "min_order", "eta_minutes"]

    def get_min_order(self, zone: DeliveryZone) -> str:
        value = zone.min_order if zone.min_order is not None else zone.restaurant.minimum_order
        return f"{value:.2f}"


class PolicySerializer(serializers.ModelSerializer):
    class Meta:
        model = Policy
        fields = ["slug", "title", "body"]


class OpeningRangeSerializer(serializers.Serializer):
    day = serializers.CharField()
    opens = serializers.CharField()
    closes = serializers.CharField()


class RestaurantSerializer(serializers.ModelSerializer):
    opening_hours = serializers.SerializerMethodField()
    delivery_zones = serializers.SerializerMethodField()
    policies = serializers.SerializerMethodField()

    class Meta:
        model = Restaurant
        fields = [
            "name",
            "address",
            "phone",
            "currency",
            "timezone",
            "opening_hours",
            "delivery_zones",
            "minimum_order",
            "cancellation_window_minutes",
            "policies",
            "payment_methods",
        ]

    def get_opening_hours(self, obj: Restaurant) -> list[dict[str, str]]:
        hours = obj.opening_hours or {}
        return [
            {"day": day, "opens": opens, "closes": closes}
            for day in DAYS
            for opens, closes in hours.get(day, [])
        ]

    def get_delivery_zones(self, obj: Restaurant) -> list[dict[str, Any]]:
        if obj.pk is None:
            return []
        return ZoneSerializer(obj.zones.all(), many=True).data  # type: ignore[return-value]

    def get_policies(self, obj: Restaurant) -> list[dict[str, Any]]:
        return PolicySerializer(Policy.objects.all(), many=True).data  # type: ignore[return-value]
