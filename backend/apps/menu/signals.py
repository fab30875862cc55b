"""Any saved or deleted category, item or option changes the menu version and is announced."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from apps.menu.changes import note_menu_change
from apps.menu.models import Category, MenuItem, MenuOption


@receiver([post_save, post_delete], sender=MenuItem)
def _item_changed(sender: Any, instance: MenuItem, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        note_menu_change([instance.pk])


@receiver([post_save, post_delete], sender=MenuOption)
def _option_changed(sender: Any, instance: MenuOption, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        note_menu_change([instance.item_id])


@receiver([post_save, post_delete], sender=Category)
def _category_changed(sender: Any, instance: Category, **kwargs: Any) -> None:
    if not kwargs.get("raw"):
        note_menu_change(MenuItem.objects.filter(category_id=instance.pk).values_list("pk", flat=True))
