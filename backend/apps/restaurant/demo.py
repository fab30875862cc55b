"""Load the demo restaurant from YAML idempotently: upsert by slug, drop demo rows no longer listed.

Only rows that came from the demo file (source="demo") are ever removed; things staff added in the
admin stay. Unchanged rows are not saved again, so a reload with the same file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from apps.menu.models import Category, MenuItem, MenuOption, Source
from apps.restaurant.models import DeliveryZone, Policy, Restaurant


class DemoFileError(Exception):
    pass


@dataclass
class LoadReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    def count(self, bucket: str, what: str, n: int = 1) -> None:
        target = getattr(self, bucket)
        target[what] = target.get(what, 0) + n

    def summary(self) -> str:
        parts = []
        for bucket in ("created", "updated", "deleted"):
            values = getattr(self, bucket)
            if values:
                parts.append(bucket + " " + ", ".join(f"{n} {k}" for k, n in sorted(values.items())))
        return "; ".join(parts) or "nothing changed"


def _upsert(
    model: type[models.Model], lookup: dict[str, Any], values: dict[str, Any], report: LoadReport, label: str
) -> models.Model:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.full_clean()
        obj.save()
        report.count("created", label)
        return obj
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.full_clean()
        obj.save()
        report.count("updated", label)
    return obj


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _load_restaurant(data: dict[str, Any], policies: list[dict[str, Any]], report: LoadReport) -> None:
    values = {
        "name": data["name"],
        "address": data.get("address", ""),
        "phone": data.get("phone", ""),
        "currency": data.get("currency", "EUR"),
        "timezone": data.get("timezone", "Europe/Amsterdam"),
        "opening_hours": data.get("opening_hours", {}),
        "minimum_order": _money(data.get("minimum_order", "0")),
        "cancellation_window_minutes": int(data.get("cancellation_window_minutes", 5)),
        "payment_methods": list(data.get("payment_methods", ["card_online", "pay_at_counter"])),
    }
    restaurant = Restaurant.objects.order_by("id").first()
    if restaurant is None:
        restaurant = _upsert(Restaurant, {"name": values.pop("name")}, values, report, "restaurant")
    else:
        _upsert(Restaurant, {"pk": restaurant.pk}, values, report, "restaurant")
    names = []
    for position, zone in enumerate(data.get("delivery_zones", [])):
        names.append(zone["name"])
        min_order = zone.get("min_order")
        _upsert(
            DeliveryZone,
            {"restaurant": restaurant, "name": zone["name"]},
            {
                "postcodes": [str(p) for p in zone.get("postcodes", [])],
                "fee": _money(zone.get("fee", "0")),
                "min_order": _money(min_order) if min_order is not None else None,
                "eta_minutes": int(zone.get("eta_minutes", 45)),
                "position": position,
            },
            report,
            "zones",
        )
    deleted, _ = DeliveryZone.objects.filter(restaurant=restaurant).exclude(name__in=names).delete()
    if deleted:
        report.count("deleted", "zones", deleted)
    slugs = []
    for position, policy in enumerate(policies):
        slugs.append(policy["slug"])
        _upsert(
            Policy,
            {"slug": policy["slug"]},
            {
                "title": policy["title"],
                "body": policy["body"].strip(),
                "position": position,
            },
            report,
            "policies",
        )
    deleted, _ = Policy.objects.exclude(slug__in=slugs).delete()
    if deleted:
        report.count("deleted", "policies", deleted)


def _item_values(
    raw: dict[str, Any], categories: dict[str, Category], currency: str, position: int
) -> dict[str, Any]:
    if raw.get("category") not in categories:
        raise DemoFileError(f"item {raw.get('slug')}: unknown category {raw.get('category')!r}")
    image = raw.get("image") or {}
    return {
        "category": categories[raw["category"]],
        "name": raw["name"],
        "description": (raw.get("description") or "").strip(),
        "ingredients": list(raw.get("ingredients") or []),
        "price": _money(raw["price"]),
        "currency": raw.get("currency", currency),
        "allergens": list(raw.get("allergens") or []),
        "dietary_tags": list(raw.get("dietary_tags") or []),
        "mood_tags": list(raw.get("mood_tags") or []),
        "spice_level": int(raw.get("spice_level") or 0),
        "stock": raw.get("stock"),
        "is_available": bool(raw.get("available", True)),
        "is_special": bool(raw.get("is_special", False)),
        "image_url": image.get("url", ""),
        "image_alt": image.get("alt", ""),
        "position": position,
        "source": Source.DEMO,
    }


def _load_menu(data: dict[str, Any], currency: str, report: LoadReport) -> None:
    categories: dict[str, Category] = {}
    for position, raw in enumerate(data.get("categories", [])):
        categories[raw["slug"]] = _upsert(
            Category,
            {"slug": raw["slug"]},
            {
                "name": raw["name"],
                "position": int(raw.get("position", position)),
                "source": Source.DEMO,
            },
            report,
            "categories",
        )  # type: ignore[assignment]
    item_slugs = []
    for position, raw in enumerate(data.get("items", [])):
        item_slugs.append(raw["slug"])
        item = _upsert(
            MenuItem,
            {"slug": raw["slug"]},
            _item_values(raw, categories, currency, position),
            report,
            "items",
        )
        keys = []
        for opt_pos, opt in enumerate(raw.get("options") or []):
            keys.append((opt["group"], opt["name"]))
            _upsert(
                MenuOption,
                {"item": item, "group": opt["group"], "name": opt["name"]},
                {
                    "price_delta": _money(opt.get("price_delta", "0")),
                    "position": opt_pos,
                },
                report,
                "options",
            )
        for option in MenuOption.objects.filter(item=item):
            if (option.group, option.name) not in keys:
                option.delete()
                report.count("deleted", "options")
    for item in MenuItem.objects.filter(source=Source.DEMO).exclude(slug__in=item_slugs):
        item.delete()
        report.count("deleted", "items")
    for category in Category.objects.filter(source=Source.DEMO).exclude(slug__in=list(categories)):
        if not category.items.exists():
            category.delete()
            report.count("deleted", "categories")


def load_demo(path: Path) -> LoadReport:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DemoFileError(f"{path} not found") from None
    except yaml.YAMLError as exc:
        raise DemoFileError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict) or "restaurant" not in data:
        raise DemoFileError(f"{path} has no 'restaurant:' section")
    report = LoadReport()
    try:
        with transaction.atomic():
            _load_restaurant(data["restaurant"], data.get("policies") or [], report)
            _load_menu(data, data["restaurant"].get("currency", "EUR"), report)
    except ValidationError as exc:
        raise DemoFileError(f"{path}: invalid value: {exc}") from None
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise DemoFileError(f"{path}: malformed entry ({type(exc).__name__}: {exc})") from None
    return report
