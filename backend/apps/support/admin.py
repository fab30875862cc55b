from django.contrib import admin

from apps.support.models import Handoff


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation_id", "status", "created_at"]
    list_filter = ["status"]
    list_editable = ["status"]
    search_fields = ["conversation_id", "reason"]
