from __future__ import annotations

from django.db import models

from apps.ordering.models import Order


class Notification(models.Model):
    """A message to a customer about their order, and whether the backend delivered it."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    order = models.ForeignKey(Order, related_name="notifications", on_delete=models.CASCADE)
    event = models.CharField(max_length=50)
    recipient = models.CharField(max_length=300, blank=True, help_text="Email or phone, if known.")
    subject = models.CharField(max_length=200)
    message = models.TextField()
    backend = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
