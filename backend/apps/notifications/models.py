from __future__ import annotations

from django.db import models

from apps.ordering.models import Order


class Notification(models.Model):
    """A message to a customer about their order on one channel, and whether it was delivered."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENT = "sent"
        FAILED = "failed"

    class Channel(models.TextChoices):
        EMAIL = "email"
        SMS = "sms"

    order = models.ForeignKey(Order, related_name="notifications", on_delete=models.CASCADE)
    event = models.CharField(max_length=50)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    recipient = models.CharField(max_length=300, blank=True, help_text="E-mail address or phone number.")
    subject = models.CharField(max_length=200)
    message = models.TextField()
    backend = models.CharField(max_length=200, help_text="E-mail backend or SMS provider used.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
