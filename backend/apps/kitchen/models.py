"""One ticket per order and POS adapter, so an order reaches each POS exactly once."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from apps.common.models import TimestampedModel
from apps.ordering.models import Order


class PosSubmission(TimestampedModel):
    class Status(models.TextChoices):
        PENDING = "pending"  # not yet accepted: due again at next_attempt_at
        ACCEPTED = "accepted"
        REJECTED = "rejected"  # the POS refused it; the order was moved to "rejected"
        CANCELLED = "cancelled"  # the order was cancelled before the POS accepted it; never sent again

    class Withdrawal(models.TextChoices):
        """Telling the POS that an order it accepted was cancelled or rejected here afterwards."""

        NOT_NEEDED = "", "not needed"
        PENDING = "pending"  # due at next_attempt_at
        DONE = "done"
        REFUSED = "refused"  # the POS would not (last_error says why): staff take it off by hand

    order = models.ForeignKey(Order, related_name="pos_submissions", on_delete=models.CASCADE)
    adapter = models.CharField(max_length=50)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0, help_text="Requests made to the POS so far.")
    last_error = models.TextField(blank=True)
    external_id = models.CharField(max_length=200, blank=True, help_text="The POS's id for the ticket.")
    external_version = models.PositiveIntegerField(
        null=True, blank=True, help_text="The POS's version of the ticket (to change it)."
    )
    withdrawal = models.CharField(max_length=10, choices=Withdrawal.choices, default="", blank=True)
    # When a pending submission (or withdrawal) may be sent (again). Also a lease: whoever sends pushes it into the
    # future first, so a concurrent retry finds nothing due.
    next_attempt_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["order", "adapter"], name="one_ticket_per_pos")]

    def __str__(self) -> str:
        return f"{self.order} → {self.adapter} ({self.status})"
