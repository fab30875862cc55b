from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.customers.models import Customer


class Handoff(models.Model):
    """A conversation the assistant hands over to a person.

    open -> claimed (one staff member holds it; the assistant is paused in Rasa) -> closed (handed back);
    abandoned when asked for outside opening hours.
    """

    class Status(models.TextChoices):
        OPEN = "open"
        CLAIMED = "claimed"
        CLOSED = "closed"
        ABANDONED = "abandoned"  # asked outside opening hours: nobody could come

    conversation_id = models.CharField(max_length=200, db_index=True)
    reason = models.TextField(blank=True)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="claimed_handoffs",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    guest_reminded_at = models.DateTimeField(null=True, blank=True)  # told nobody is free yet (once)
    staff_paged_at = models.DateTimeField(null=True, blank=True)  # staff e-mailed / texted (once)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("handle_handoff", "Can take over a guest's conversation and see its personal data")]

    def __str__(self) -> str:
        return f"Handoff {self.pk} ({self.status})"
