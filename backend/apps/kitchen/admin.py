from django.contrib import admin

from apps.kitchen.models import PosSubmission


@admin.register(PosSubmission)
class PosSubmissionAdmin(admin.ModelAdmin):
    list_display = ["order", "adapter", "status", "withdrawal", "attempts", "external_id", "next_attempt_at", "updated_at"]
    list_filter = ["status", "withdrawal", "adapter"]  # "refused": cancelled here, still on the POS
    readonly_fields = [f.name for f in PosSubmission._meta.fields]
