from django.contrib import admin

from apps.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["order", "event", "channel", "recipient", "status", "created_at", "sent_at"]
    list_filter = ["status", "channel", "event"]
    readonly_fields = [f.name for f in Notification._meta.fields]
