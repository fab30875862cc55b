"""The backend's own pages: guest details at details_url, and the admin."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from apps.customers.models import Customer
from apps.notifications.models import Notification
from apps.ordering.models import OrderStatusChange
from tests.conftest import new_cart, place, production_env

pytestmark = pytest.mark.django_db
BACKEND = Path(__file__).resolve().parent.parent


def details_path(order: dict) -> str:
    return re.sub(r"^https?://[^/]+", "", order["details_url"])


def test_guest_enters_contact_details_on_backend_page(api, demo):
    order = place(
        api, new_cart(api, (demo["margherita-pizza"], 2, []))["id"], fulfilment="delivery", postcode="1011"
    ).json()
    browser = Client()
    page = browser.get(details_path(order))
    assert page.status_code == 200 and b"Delivery address" in page.content
    invalid = browser.post(details_path(order), {"name": "Ada", "phone": "0612345678"})
    assert b"This field is required" in invalid.content and Customer.objects.count() == 0
    saved = browser.post(
        details_path(order),
        {"name": "Ada Lovelace", "phone": "0612345678", "email": "ada@example.org", "address": "Dam 1"},
    )
    assert b"your details are saved" in saved.content
    customer = Customer.objects.get()
    assert (customer.name, customer.address, customer.postcode) == ("Ada Lovelace", "Dam 1", "1011")
    # the assistant only ever sees the opaque id
    fetched = api.get(f"/api/orders/{order['id']}/")
    assert fetched.json()["customer"] == customer.public_id and customer.public_id.startswith("cus_")
    assert b"Ada" not in fetched.content and b"0612345678" not in fetched.content
    # and can start the next cart for the same customer
    again = api.post("/api/carts/", {"customer": customer.public_id}, format="json")
    assert again.status_code == 201 and again.json()["customer"] == customer.public_id


def test_pickup_details_page_has_no_address_and_unknown_token_is_404(api, demo):
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"]).json()
    page = Client().get(details_path(order))
    assert b"Delivery address" not in page.content
    assert Client().get("/checkout/not-a-token/").status_code == 404


def test_staff_manage_menu_and_orders_in_admin(api, demo, django_capture_on_commit_callbacks):
    admin = Client()
    admin.force_login(User.objects.create_superuser("boss", "boss@example.org", "pw-boss-123"))
    item = demo["margherita-pizza"]
    for url in (
        "/admin/menu/menuitem/",
        f"/admin/menu/menuitem/{item.pk}/change/",
        "/admin/restaurant/restaurant/",
        "/admin/webhooks/webhookdelivery/",
        "/admin/ordering/order/",
        "/admin/support/handoff/",
        "/admin/payments/payment/",
    ):
        assert admin.get(url).status_code == 200, url
    guest = Customer.objects.create(email="guest@example.org")  # chose e-mail updates (the default)
    order = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], customer=guest.public_id).json()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/ordering/order/{order['id']}/change/",
            {
                "status": "confirmed",
                "lines-TOTAL_FORMS": "1",
                "lines-INITIAL_FORMS": "1",
                "lines-MIN_NUM_FORMS": "0",
                "lines-MAX_NUM_FORMS": "1000",
                "lines-0-id": str(order["lines"][0]["id"]),
                "lines-0-order": str(order["id"]),
                "status_changes-TOTAL_FORMS": "1",
                "status_changes-INITIAL_FORMS": "1",
                "status_changes-MIN_NUM_FORMS": "0",
                "status_changes-MAX_NUM_FORMS": "1000",
                "status_changes-0-id": str(OrderStatusChange.objects.get(order_id=order["id"]).pk),
                "status_changes-0-order": str(order["id"]),
            },
        )
    assert response.status_code == 302, response.content[:2000]
    assert api.get(f"/api/orders/{order['id']}/").json()["status"] == "confirmed"
    assert Notification.objects.filter(order_id=order["id"], event="order.confirmed").exists()


def test_check_deploy_passes_with_production_settings(tmp_path):
    # production refuses console e-mail/SMS and an unnamed payment provider (test_production_providers.py)
    env = production_env(
        tmp_path,
        EMAIL_HOST="smtp.example.org",
        SMS_PROVIDER="restaurant_sms.TwilioProvider",
        PAYMENT_PROVIDER="sandbox",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    missing = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND,
        env={**env, "BACKEND_SERVICE_TOKEN": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert missing.returncode != 0 and "BACKEND_SERVICE_TOKEN" in missing.stderr
    no_chat_secret = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND,
        env={**env, "CHAT_JWT_SECRET": ""},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert no_chat_secret.returncode != 0 and "CHAT_JWT_SECRET" in no_chat_secret.stderr
