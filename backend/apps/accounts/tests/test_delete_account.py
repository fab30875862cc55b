"""A signed-in guest deletes their own account from /accounts/: password again, everything about them erased
(apps.customers.erasure), logged out, told what went and what the restaurant keeps."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.auth.models import User
from django.test import Client

from apps.customers.models import Customer
from apps.customers.tests.guest_data import (
    TRACKER_DB,
    add_conversation,
    empty_tracker,
    found_in_database,
    tracker_count,
)
from apps.ordering.models import Order
from apps.review.models import AuditLog
from tests.conftest import api, demo, new_cart, place  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.django_db(**TRACKER_DB)
PASSWORD = "a-long-harbour-password-42"


@pytest.fixture
def tracker(tmp_path: Path, settings) -> Path:
    with empty_tracker(tmp_path, settings) as path:
        yield path


def signed_up(username: str, name: str, email: str, phone: str) -> Client:
    """A guest who signed up and logged in through the pages, CSRF checked as in a browser."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/signup/")
    data = {
        "username": username,
        "name": name,
        "email": email,
        "phone": phone,
        "password1": PASSWORD,
        "password2": PASSWORD,
        "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
    }
    assert client.post("/accounts/signup/", data).status_code == 302
    client.post("/accounts/logout/", {"csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    client.get("/accounts/login/")
    logged_in = client.post(
        "/accounts/login/",
        {
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": client.cookies["csrftoken"].value,
        },
    )
    assert logged_in.status_code == 302
    return client


def post(client: Client, url: str, data: dict):
    client.get(url)
    return client.post(url, {**data, "csrfmiddlewaretoken": client.cookies["csrftoken"].value})


@pytest.fixture
def grace(tracker, api, demo):
    client = signed_up("grace", "Grace Hopper", "grace@example.org", "06 1234 5678")
    customer = Customer.objects.get(user__username="grace")
    Customer.objects.filter(pk=customer.pk).update(address="Damrak 1", postcode="1012LG")
    placed = place(
        api,
        new_cart(api, (demo["diavola-pizza"], 2, []))["id"],
        customer=customer.public_id,
        fulfilment="delivery",
        postcode="1012",
    )
    assert placed.status_code == 201, placed.json()
    add_conversation(
        tracker, "conv-1", [("Grace Hopper here, Damrak 1", "Thanks!")], customer=customer.public_id
    )
    return client, customer, Order.objects.get(pk=placed.json()["id"])


@pytest.fixture
def ada(tracker):
    client = signed_up("ada", "Ada Lovelace", "ada@example.org", "06 8765 4321")
    customer = Customer.objects.get(user__username="ada")
    add_conversation(tracker, "conv-ada", [("Ada Lovelace here", "Hello Ada!")], customer=customer.public_id)
    return client, customer


def test_the_account_page_links_to_a_confirm_page_that_asks_for_the_password(grace):
    client, _customer, _order = grace
    assert 'href="/accounts/delete/"' in client.get("/accounts/").content.decode()
    page = client.get("/accounts/delete/").content.decode()
    assert '<label for="id_password">' in page and 'type="password"' in page and "csrfmiddlewaretoken" in page
    assert "keep your past orders" in page
    assert Client().get("/accounts/delete/")["Location"].startswith("/accounts/login/")


def test_a_wrong_password_deletes_nothing(grace, tracker):
    client, customer, order = grace
    response = post(client, "/accounts/delete/", {"password": "not-my-password"})
    assert response.status_code == 400 and "isn't your password" in html.unescape(response.content.decode())
    assert User.objects.filter(username="grace").exists()
    customer.refresh_from_db()
    assert customer.name == "Grace Hopper" and customer.address == "Damrak 1"
    order.refresh_from_db()
    assert order.customer == customer and order.delivery_address == "Damrak 1"
    assert tracker_count(tracker, "conv-1") == 2
    assert client.get("/accounts/").status_code == 200  # still signed in
    # counted like a failed login: enough of them lock the account out (django-axes)
    assert AccessAttempt.objects.get(username="grace").failures_since_start == 1


def test_a_get_or_a_post_without_csrf_deletes_nothing(grace):
    client, _customer, _order = grace
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 403  # no CSRF token
    assert User.objects.filter(username="grace").exists()


def test_the_right_password_erases_the_guest_logs_them_out_and_says_what_was_kept(grace, ada, tracker):
    client, customer, order = grace
    ada_client, ada_customer = ada
    assert AccessLog.objects.filter(username="grace").exists()  # login history with IP address and browser

    response = post(client, "/accounts/delete/", {"password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/accounts/deleted/"
    page = client.get("/accounts/deleted/")
    text = html.unescape(page.content.decode())
    assert page.status_code == 200 and "Your account is deleted" in text and "You're logged out" in text
    assert "Your chats with our assistant (2 messages and events)" in text
    assert "1 past order" in text and "law requires us to keep" in text
    assert client.get("/accounts/deleted/")["Location"] == "/chat/"  # shown once
    assert client.get("/accounts/")["Location"].startswith("/accounts/login/")  # logged out

    for needle in ("Grace", "Hopper", "grace@example.org", "612345678", "Damrak"):
        assert found_in_database(needle) == [], needle
        assert tracker_count(tracker, like=needle) == 0, needle
    assert not User.objects.filter(username="grace").exists()
    assert not AccessLog.objects.filter(username="grace").exists()
    order.refresh_from_db()
    assert order.customer is None and order.delivery_address == "" and order.total > 0
    entry = AuditLog.objects.get(action="erase_guest")
    assert entry.target == f"customer {customer.public_id}" and entry.user is None and entry.username == ""
    assert entry.detail["via"] == "account page" and entry.detail["deleted"]["user_accounts"] == 1

    # Ada is untouched, and still signed in.
    ada_customer.refresh_from_db()
    assert ada_customer.name == "Ada Lovelace" and ada_customer.user.username == "ada"
    assert tracker_count(tracker, "conv-ada") == 2
    assert ada_client.get("/accounts/").status_code == 200
    assert "customers.Customer.name" in found_in_database("Ada Lovelace")


def test_staff_accounts_are_not_deleted_here(tracker):
    staff = User.objects.create_user("sam", "sam@example.org", PASSWORD, is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get("/accounts/delete/").status_code == 403
    assert client.post("/accounts/delete/", {"password": PASSWORD}).status_code == 403
    assert User.objects.filter(pk=staff.pk).exists()
