from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin

from apps.menu.models import ALLERGENS, DIETARY_TAGS, MOOD_TAGS, Category, MenuItem, MenuOption, MenuVersion


class MenuItemForm(forms.ModelForm):
    """Tick boxes for the fixed vocabularies, comma-separated text for ingredients."""

    allergens = forms.MultipleChoiceField(
        choices=list(ALLERGENS.items()), widget=forms.CheckboxSelectMultiple, required=False
    )
    dietary_tags = forms.MultipleChoiceField(
        choices=list(DIETARY_TAGS.items()), widget=forms.CheckboxSelectMultiple, required=False
    )
    mood_tags = forms.MultipleChoiceField(
        choices=list(MOOD_TAGS.items()), widget=forms.CheckboxSelectMultiple, required=False
    )
    ingredients = forms.CharField(
        required=False, help_text="Comma-separated", widget=forms.Textarea(attrs={"rows": 2})
    )

    class Meta:
        model = MenuItem
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["ingredients"] = ", ".join(self.instance.ingredients or [])

    def clean_ingredients(self) -> list[str]:
        return [part.strip() for part in self.cleaned_data["ingredients"].split(",") if part.strip()]


class MenuOptionInline(admin.TabularInline):
    model = MenuOption
    extra = 1


@admin.register(MenuItem)
class MenuItemAdmin(admin.ModelAdmin):
    form = MenuItemForm
    list_display = ["name", "category", "price", "is_available", "stock", "is_special", "updated_at"]
    list_editable = ["is_available", "stock", "is_special"]
    list_filter = ["category", "is_available", "is_special", "source"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MenuOptionInline]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "position"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(MenuVersion)
class MenuVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "updated_at"]
    readonly_fields = ["counter", "updated_at"]

    def has_add_permission(self, request: Any) -> bool:
        return False
