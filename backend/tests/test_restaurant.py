from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from apps.menu.models import Category, MenuItem, MenuOption
from apps.restaurant.models import DeliveryZone, Policy, Restaurant
from tests.conftest import FIXTURE

pytestmark = pytest.mark.django_db


def test_restaurant_facts(public, demo):
    body = public.get("/api/restaurant/").json()
    assert body["name"] == "Test Trattoria" and body["currency"] == "EUR"
    assert body["timezone"] == "Europe/Amsterdam"
    assert {"day": "monday", "opens": "11:30", "closes": "22:00"} in body["opening_hours"]
    assert not [h for h in body["opening_hours"] if h["day"] == "sunday"]
    assert body["delivery_zones"][0] == {
        "name": "Centre",
        "postcodes": ["1011", "1012"],
        "fee": "2.50",
        "min_order": "15.00",
        "eta_minutes": 35,
    }
    # a zone without its own minimum uses the restaurant's
    assert body["delivery_zones"][1]["min_order"] == "20.00"
    assert body["minimum_order"] == "20.00" and body["cancellation_window_minutes"] == 5
    assert [p["slug"] for p in body["policies"]] == ["allergens", "delivery"]
    assert body["payment_methods"] == ["card_online", "pay_at_counter"]


def counts() -> tuple[int, ...]:
    return (
        Restaurant.objects.count(),
        DeliveryZone.objects.count(),
        Policy.objects.count(),
        Category.objects.count(),
        MenuItem.objects.count(),
        MenuOption.objects.count(),
    )


def test_load_demo_twice_leaves_exactly_one_copy(db, capsys):
    call_command("load_demo", file=str(FIXTURE))
    first = counts()
    assert first == (1, 2, 2, 2, 5, 4)
    call_command("load_demo", file=str(FIXTURE))
    assert counts() == first
    assert "nothing changed" in capsys.readouterr().out


def test_reload_removes_demo_items_gone_from_file_but_keeps_admin_items(db, tmp_path: Path):
    call_command("load_demo", file=str(FIXTURE))
    staff_item = MenuItem.objects.create(
        category=Category.objects.get(slug="mains"), slug="staff-special", name="Staff special", price="9.00"
    )
    text = FIXTURE.read_text()
    start = text.index("  - slug: bruschetta")
    end = text.index("  - slug: green-salad")
    text = text[:start] + text[end:]
    text = text.replace('price: "11.50"', 'price: "12.00"').replace(
        '      - {group: extra, name: extra cheese, price_delta: "1.50"}\n', ""
    )
    smaller = tmp_path / "restaurant.yaml"
    smaller.write_text(text)
    call_command("load_demo", file=str(smaller))
    assert not MenuItem.objects.filter(slug="bruschetta").exists()
    assert MenuItem.objects.filter(pk=staff_item.pk).exists()
    pizza = MenuItem.objects.get(slug="margherita-pizza")
    assert str(pizza.price) == "12.00"
    assert list(pizza.options.values_list("name", flat=True)) == ["regular", "large"]


def test_load_demo_reports_missing_and_broken_files(db, tmp_path: Path):
    with pytest.raises(CommandError, match="not found"):
        call_command("load_demo", file=str(tmp_path / "missing.yaml"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(FIXTURE.read_text().replace("allergens: [cereals_gluten, milk]", "allergens: [gluten]"))
    with pytest.raises(CommandError, match="invalid value"):
        call_command("load_demo", file=str(bad))
    assert MenuItem.objects.count() == 0  # nothing half-loaded
