from django.contrib import admin

from apps.kitchen.models import PosSubmission


@admin.register(PosSubmission)
class PosSubmissionAdmin(admin.ModelAdmin):
    list_display = ["order", "adapter", "status", "attempts", "external_id", "next_attempt_at", "updated_at"]
    list_filter = ["status", "adapter"]
    readonly_fields = [f.name for f in PosSubmission._meta.fields]
