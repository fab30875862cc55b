"""Menu: categories, items (allergens, tags, stock, image), options, and the menu version."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.deconstruct import deconstructible

import vocabulary

# The codes and labels come from the vocabulary the assistant shares (the installed `vocabulary`
# package): the 14 major allergens of EU Regulation 1169/2011, Annex II, the dietary and mood tags.
ALLERGENS: dict[str, str] = {allergen.code: allergen.label for allergen in vocabulary.ALLERGENS}
DIETARY_TAGS: dict[str, str] = {tag.code: tag.label for tag in vocabulary.DIETARY_TAGS}
MOOD_TAGS: dict[str, str] = {mood: mood.capitalize() for mood in vocabulary.MOOD_CODES}


@deconstructible
class ChoiceListValidator:
    """A JSON list whose values all come from one vocabulary (e.g. the allergen codes)."""

    def __init__(self, vocabulary_name: str) -> None:
        self.vocabulary_name = vocabulary_name

    def __call__(self, value: object) -> None:
        codes = VOCABULARIES[self.vocabulary_name]
        if not isinstance(value, list) or any(v not in codes for v in value):
            raise ValidationError(f"Unknown {self.vocabulary_name}; allowed: {', '.join(codes)}")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChoiceListValidator) and other.vocabulary_name == self.vocabulary_name


VOCABULARIES = {"allergens": ALLERGENS, "dietary_tags": DIETARY_TAGS, "mood_tags": MOOD_TAGS}
validate_allergens = ChoiceListValidator("allergens")
validate_dietary_tags = ChoiceListValidator("dietary_tags")
validate_mood_tags = ChoiceListValidator("mood_tags")


class Source(models.TextChoices):
    ADMIN = "admin", "Admin"
    DEMO = "demo", "Demo restaurant file"


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    position = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADMIN)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class MenuItem(models.Model):
    category = models.ForeignKey(Category, related_name="items", on_delete=models.PROTECT)
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    ingredients = models.JSONField(default=list, blank=True)
    price = models.DecimalField(
        max_digits=8, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    currency = models.CharField(max_length=3, default=settings.DEFAULT_CURRENCY)
    allergens = models.JSONField(default=list, blank=True, validators=[validate_allergens])
    dietary_tags = models.JSONField(default=list, blank=True, validators=[validate_dietary_tags])
    mood_tags = models.JSONField(default=list, blank=True, validators=[validate_mood_tags])
    spice_level = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3)])
    is_available = models.BooleanField(default=True, help_text="Switch off to hide from ordering.")
    stock = models.PositiveIntegerField(null=True, blank=True, help_text="Empty = unlimited.")
    is_special = models.BooleanField(default=False, help_text="Special of the day.")
    special_date = models.DateField(
        null=True, blank=True, help_text="Only a special on this date (empty = every day)."
    )
    image_url = models.CharField(max_length=500, blank=True)
    image_alt = models.CharField(max_length=300, blank=True)
    position = models.PositiveIntegerField(default=0)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.ADMIN)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category__position", "position", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(spice_level__lte=3), name="spice_level_0_3"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def available(self) -> bool:
        """Orderable: switched on and not sold out."""
        return self.is_available and (self.stock is None or self.stock > 0)


class OptionGroup(models.TextChoices):
    SIZE = "size", "Size (pick at most one)"
    EXTRA = "extra", "Extra (any number)"


class MenuOption(models.Model):
    item = models.ForeignKey(MenuItem, related_name="options", on_delete=models.CASCADE)
    group = models.CharField(max_length=10, choices=OptionGroup.choices)
    name = models.CharField(max_length=100)
    price_delta = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "group", "name"], name="unique_option_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item.name}: {self.group} {self.name}"


class MenuVersion(models.Model):
    """A single row whose counter is bumped on every menu change (see menu.signals)."""

    counter = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    @property
    def version(self) -> str:
        return f"v{self.counter}"
