from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.common.tasks import submit
from apps.webhooks.dispatch import deliver
from apps.webhooks.models import WebhookAttempt, WebhookDelivery


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    readonly_fields = ["number", "status_code", "error", "duration_ms", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["event_type", "url", "status", "attempt_count", "created_at", "delivered_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["message_id", "url"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["retry"]

    @admin.action(description="Retry delivery")
    def retry(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        for delivery in queryset:
            submit(deliver, delivery.pk)
        messages.info(request, f"Queued {queryset.count()} deliveries.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
