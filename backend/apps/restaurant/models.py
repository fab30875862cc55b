"""Restaurant facts: address, opening hours, delivery zones, fees, policies, payment methods."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
PAYMENT_METHODS = ["card_online", "pay_at_counter"]


def validate_opening_hours(value: object) -> None:
    if not isinstance(value, dict) or any(day not in DAYS for day in value):
        raise ValidationError("Opening hours map day names (monday..sunday) to lists of ranges.")
    for ranges in value.values():
        for rng in ranges:
            if not (isinstance(rng, (list, tuple)) and len(rng) == 2):
                raise ValidationError('Each range is ["HH:MM", "HH:MM"].')


class Restaurant(models.Model):
    """The restaurant (one row; the first row is the one in use)."""

    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    currency = models.CharField(max_length=3, default="EUR")
    timezone = models.CharField(max_length=64, default="Europe/Amsterdam")
    opening_hours = models.JSONField(
        default=dict,
        blank=True,
        validators=[validate_opening_hours],
        help_text='{"monday": [["11:30", "22:00"]], ..., "sunday": []}',
    )
    minimum_order = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    cancellation_window_minutes = models.PositiveIntegerField(default=5)
    payment_methods = models.JSONField(default=list, blank=True, help_text=str(PAYMENT_METHODS))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        unknown = set(self.payment_methods or []) - set(PAYMENT_METHODS)
        if unknown:
            raise ValidationError({"payment_methods": f"Unknown payment methods: {sorted(unknown)}"})


class DeliveryZone(models.Model):
    restaurant = models.ForeignKey(Restaurant, related_name="zones", on_delete=models.CASCADE)
    name = models.CharField(max_length=100)
    postcodes = models.JSONField(
        default=list, blank=True, help_text='Postcode prefixes, e.g. ["1011", "1012"]'
    )
    fee = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    min_order = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    eta_minutes = models.PositiveIntegerField(default=45)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class Policy(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return self.title


def get_restaurant() -> Restaurant:
    """The configured restaurant, or unsaved defaults when none is loaded yet."""
    restaurant = Restaurant.objects.order_by("id").first()
    if restaurant is None:
        restaurant = Restaurant(
            name="Restaurant", currency=settings.DEFAULT_CURRENCY, payment_methods=PAYMENT_METHODS
        )
    return restaurant
