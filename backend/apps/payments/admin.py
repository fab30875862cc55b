from django.contrib import admin

from apps.payments.models import Payment, PaymentEvent


class PaymentEventInline(admin.TabularInline):
    model = PaymentEvent
    extra = 0
    readonly_fields = ["provider_event_id", "outcome", "received_at"]


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["order", "method", "provider", "status", "amount", "currency", "created_at"]
    list_filter = ["method", "status", "provider"]
    search_fields = ["intent_id", "order__number"]
    readonly_fields = ["intent_id", "checkout_url", "created_at", "updated_at"]
    inlines = [PaymentEventInline]
