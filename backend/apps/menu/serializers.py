from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.menu.models import Category, MenuItem, MenuOption


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name", "position"]


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "slug", "name"]


class OptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = MenuOption
        fields = ["id", "group", "name", "price_delta"]


class ImageSerializer(serializers.Serializer):
    url = serializers.CharField()
    alt = serializers.CharField()


class MenuItemSerializer(serializers.ModelSerializer):
    category = CategoryRefSerializer()
    options = OptionSerializer(many=True)
    available = serializers.BooleanField()
    image = serializers.SerializerMethodField()
    ingredients = serializers.ListField(child=serializers.CharField())
    allergens = serializers.ListField(child=serializers.CharField())
    dietary_tags = serializers.ListField(child=serializers.CharField())
    mood_tags = serializers.ListField(child=serializers.CharField())

    class Meta:
        model = MenuItem
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "ingredients",
            "price",
            "currency",
            "category",
            "allergens",
            "dietary_tags",
            "mood_tags",
            "spice_level",
            "available",
            "stock",
            "image",
            "options",
            "is_special",
            "updated_at",
        ]

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_image(self, obj: MenuItem) -> dict[str, Any] | None:
        if not obj.image_url:
            return None
        return {"url": obj.image_url, "alt": obj.image_alt}


class MenuVersionSerializer(serializers.Serializer):
    version = serializers.CharField()
    updated_at = serializers.DateTimeField()
