from django.contrib import admin

from apps.restaurant.models import DeliveryZone, Policy, Restaurant


class DeliveryZoneInline(admin.TabularInline):
    model = DeliveryZone
    extra = 0


@admin.register(Restaurant)
class RestaurantAdmin(admin.ModelAdmin):
    list_display = ["name", "currency", "minimum_order", "cancellation_window_minutes"]
    inlines = [DeliveryZoneInline]


@admin.register(Policy)
class PolicyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "position"]
    prepopulated_fields = {"slug": ["title"]}
