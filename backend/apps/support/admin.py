from django.contrib import admin
from django.http import HttpRequest

from apps.review.masking import mask
from apps.support.models import Handoff


@admin.register(Handoff)
class HandoffAdmin(admin.ModelAdmin):
    """Read-only, with the guest's words masked. A handoff changes on the staff page (/support/), where a
    claim pauses the assistant in Rasa and a hand-back resumes it: a status set here would do neither.
    The guest's words are shown in full only there, to staff allowed to take over conversations."""

    list_display = ["id", "conversation_id", "status", "guest_words", "claimed_by", "created_at"]
    list_filter = ["status"]
    search_fields = ["conversation_id"]
    fields = [
        "conversation_id",
        "status",
        "guest_words",
        "customer",
        "claimed_by",
        "claimed_at",
        "closed_at",
        "guest_reminded_at",
        "staff_paged_at",
        "created_at",
    ]
    readonly_fields = fields

    @admin.display(description="guest's words (masked)")
    def guest_words(self, handoff: Handoff) -> str:
        return mask(handoff.reason)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Handoff | None = None) -> bool:
        return False
