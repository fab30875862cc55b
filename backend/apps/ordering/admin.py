from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.common.errors import ApiError
from apps.common.models import field_names_timestamps_last
from apps.ordering.models import Cart, CartLine, Order, OrderLine, OrderStatusChange
from apps.ordering.orders import set_status


class CartLineInline(admin.TabularInline):
    model = CartLine
    extra = 0


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ["id", "status", "channel", "conversation_id", "version", "updated_at"]
    list_filter = ["status", "channel"]
    inlines = [CartLineInline]


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["item", "item_name", "quantity", "options", "unit_price", "line_total"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StatusChangeInline(admin.TabularInline):
    model = OrderStatusChange
    extra = 0
    can_delete = False
    readonly_fields = ["previous_status", "status", "actor", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Staff move orders along by editing the status; the lifecycle rules still apply."""

    list_display = ["number", "status", "fulfilment", "total", "currency", "created_at"]
    list_filter = ["status", "fulfilment"]
    search_fields = ["number", "conversation_id", "idempotency_key"]
    readonly_fields = [name for name in field_names_timestamps_last(Order) if name != "status"]
    inlines = [OrderLineInline, StatusChangeInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Order, form: Any, change: bool) -> None:
        if change and "status" in form.changed_data:
            new_status = obj.status
            try:
                set_status(obj.pk, new_status, actor=request.user.get_username(), enforce_window=False)
            except ApiError as exc:
                messages.error(request, exc.message)
            obj.refresh_from_db()
