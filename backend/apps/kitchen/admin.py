from django.contrib import admin

from apps.common.models import field_names_timestamps_last
from apps.kitchen.models import PosSubmission


@admin.register(PosSubmission)
class PosSubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "order",
        "adapter",
        "status",
        "withdrawal",
        "attempts",
        "external_id",
        "next_attempt_at",
        "updated_at",
    ]
    list_filter = ["status", "withdrawal", "adapter"]  # "refused": cancelled here, still on the POS
    readonly_fields = field_names_timestamps_last(PosSubmission)
