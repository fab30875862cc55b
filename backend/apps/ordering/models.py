"""Carts and orders. Orders snapshot names and prices so later menu edits don't rewrite history."""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import models

from apps.common.models import TimestampedModel
from apps.customers.models import Customer
from apps.menu.models import MenuItem, MenuOption


class Cart(TimestampedModel):
    class Status(models.TextChoices):
        OPEN = "open"
        ORDERED = "ordered"
        ABANDONED = "abandoned"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    channel = models.CharField(max_length=50, blank=True)
    conversation_id = models.CharField(max_length=200, blank=True, db_index=True)
    currency = models.CharField(max_length=3, default="EUR")
    version = models.PositiveIntegerField(default=1)
    # The guest's choice so far, so the cart can show the delivery fee and total before ordering.
    fulfilment = models.CharField(max_length=10, blank=True)
    postcode = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return f"Cart {self.pk} ({self.status})"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField()
    options = models.ManyToManyField(MenuOption, blank=True)
    # Sorted option ids, so "same item with the same options" is one line.
    options_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "item", "options_key"], name="one_line_per_choice")
        ]


def new_details_token() -> str:
    return secrets.token_urlsafe(24)


class Order(TimestampedModel):
    class Status(models.TextChoices):
        PLACED = "placed"
        CONFIRMED = "confirmed"
        PREPARING = "preparing"
        READY = "ready"
        OUT_FOR_DELIVERY = "out_for_delivery"
        COMPLETED = "completed"
        CANCELLED = "cancelled"
        REJECTED = "rejected"  # the kitchen / POS could not accept it

    class Fulfilment(models.TextChoices):
        PICKUP = "pickup"
        DELIVERY = "delivery"

    number = models.CharField(max_length=20, unique=True, null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    request_fingerprint = models.CharField(max_length=64)
    cart = models.ForeignKey(Cart, related_name="orders", on_delete=models.PROTECT)
    customer = models.ForeignKey(Customer, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    fulfilment = models.CharField(max_length=10, choices=Fulfilment.choices)
    postcode = models.CharField(max_length=20, null=True, blank=True)
    # Where this delivery goes, kept with the order (like its prices): from the account's saved address
    # when it is for this postcode, else from the guest's details form. Never sent to the chat.
    delivery_address = models.CharField(max_length=300, blank=True)
    requested_time = models.DateTimeField(null=True, blank=True)
    subtotal = models.DecimalField(max_digits=10, decimal_places=2)
    delivery_fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    total = models.DecimalField(max_digits=10, decimal_places=2)
    currency = models.CharField(max_length=3, default="EUR")
    conversation_id = models.CharField(max_length=200, blank=True, db_index=True)
    details_token = models.CharField(max_length=64, unique=True, default=new_details_token)
    cancellable_until = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Order {self.number or self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    item = models.ForeignKey(MenuItem, null=True, on_delete=models.SET_NULL)
    item_name = models.CharField(max_length=200)
    quantity = models.PositiveIntegerField()
    options = models.JSONField(default=list, help_text="Snapshot: [{id, group, name, price_delta}]")
    unit_price = models.DecimalField(max_digits=8, decimal_places=2)
    line_total = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["id"]


class OrderStatusChange(models.Model):
    """Audit trail of the lifecycle."""

    order = models.ForeignKey(Order, related_name="status_changes", on_delete=models.CASCADE)
    previous_status = models.CharField(max_length=20, null=True, blank=True)
    status = models.CharField(max_length=20)
    actor = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
