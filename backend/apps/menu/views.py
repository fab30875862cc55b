from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import ApiError
from apps.menu.changes import current_version
from apps.menu.models import ALLERGENS, DIETARY_TAGS, MOOD_TAGS, Category, MenuItem
from apps.menu.serializers import CategorySerializer, MenuItemSerializer, MenuVersionSerializer
from apps.restaurant.models import get_restaurant


def _codes(raw: str | None, vocabulary: dict[str, str], param: str) -> list[str]:
    codes = [c.strip() for c in (raw or "").split(",") if c.strip()]
    unknown = [c for c in codes if c not in vocabulary]
    if unknown:
        raise ApiError(
            "validation_error",
            f"Unknown {param} value.",
            details={param: [f"Unknown: {', '.join(unknown)}; allowed: {', '.join(vocabulary)}"]},
        )
    return codes


def _has(field: str, code: str) -> Q:
    # Codes are stored as a JSON list; matching the quoted code works on SQLite and PostgreSQL.
    return Q(**{f"{field}__icontains": f'"{code}"'})


def _truthy(raw: str | None) -> bool | None:
    if raw is None:
        return None
    return raw.strip().lower() in {"1", "true", "yes"}


def today_specials(qs: QuerySet[MenuItem]) -> QuerySet[MenuItem]:
    tz = ZoneInfo(get_restaurant().timezone or "UTC")
    today = datetime.now(tz).date()
    return qs.filter(is_special=True).filter(Q(special_date__isnull=True) | Q(special_date=today))


def base_items() -> QuerySet[MenuItem]:
    return MenuItem.objects.select_related("category").prefetch_related("options")


class PublicMixin:
    permission_classes = [AllowAny]


class CategoryList(PublicMixin, generics.ListAPIView):
    serializer_class = CategorySerializer
    queryset = Category.objects.all()


ITEM_FILTERS = [
    OpenApiParameter("category", str, description="Category slug"),
    OpenApiParameter("dietary", str, description="Comma-separated dietary tags, all required"),
    OpenApiParameter("exclude_allergens", str, description="Comma-separated allergen codes"),
    OpenApiParameter("q", str, description="Text in name, description or ingredients"),
    OpenApiParameter("available", bool),
    OpenApiParameter("mood", str, description="Mood tag"),
    OpenApiParameter("special", bool, description="Only today's specials"),
]


class MenuItemList(PublicMixin, generics.ListAPIView):
    serializer_class = MenuItemSerializer

    @extend_schema(parameters=ITEM_FILTERS)
    def get(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[MenuItem]:
        params = self.request.query_params
        qs = base_items()
        if params.get("category"):
            qs = qs.filter(category__slug=params["category"])
        for tag in _codes(params.get("dietary"), DIETARY_TAGS, "dietary"):
            qs = qs.filter(_has("dietary_tags", tag))
        for allergen in _codes(params.get("exclude_allergens"), ALLERGENS, "exclude_allergens"):
            qs = qs.exclude(_has("allergens", allergen))
        for mood in _codes(params.get("mood"), MOOD_TAGS, "mood"):
            qs = qs.filter(_has("mood_tags", mood))
        if text := params.get("q", "").strip():
            qs = qs.filter(
                Q(name__icontains=text) | Q(description__icontains=text) | Q(ingredients__icontains=text)
            )
        available = _truthy(params.get("available"))
        orderable = Q(is_available=True) & (Q(stock__isnull=True) | Q(stock__gt=0))
        if available is True:
            qs = qs.filter(orderable)
        elif available is False:
            qs = qs.exclude(orderable)
        if _truthy(params.get("special")):
            qs = today_specials(qs)
        return qs


class MenuItemDetail(PublicMixin, generics.RetrieveAPIView):
    serializer_class = MenuItemSerializer
    queryset = base_items()

    def get_object(self) -> MenuItem:
        item = self.get_queryset().filter(pk=self.kwargs["pk"]).first()
        if item is None:
            raise ApiError(
                "unknown_item", "Sorry, we don't have that dish.", 404, {"item": self.kwargs["pk"]}
            )
        return item


class SpecialsList(PublicMixin, generics.ListAPIView):
    serializer_class = MenuItemSerializer

    def get_queryset(self) -> QuerySet[MenuItem]:
        return today_specials(base_items())


class MenuVersionView(PublicMixin, APIView):
    @extend_schema(responses=MenuVersionSerializer)
    def get(self, request: Request) -> Response:
        version = current_version()
        return Response({"version": version.version, "updated_at": version.updated_at or timezone.now()})
