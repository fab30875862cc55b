"""Passwords as guests live with them: forgotten and reset by e-mail, changed, and not guessable by trying."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client, override_settings
from django.utils import timezone

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-harbour-password-42"
NEW_PASSWORD = "a-brand-new-lighthouse-77"


@pytest.fixture
def grace() -> User:
    return User.objects.create_user("grace", "grace@example.org", PASSWORD, first_name="Grace")


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_forgotten_password_is_reset_by_the_mailed_link_which_works_once(grace):
    client = Client()
    assert 'href="/accounts/password/reset/"' in client.get("/accounts/login/").content.decode()
    sent = client.post("/accounts/password/reset/", {"email": "Grace@Example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"
    assert "Check your e-mail" in client.get(sent["Location"]).content.decode()

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["grace@example.org"]
    body = mail.outbox[0].body
    assert "Hello Grace" in body and PASSWORD not in body
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", body).group(1)

    form = client.get(link, follow=True)  # Django swaps the token for a session and shows the form
    set_password_url = form.redirect_chain[-1][0]
    assert "Choose a new password" in form.content.decode()
    done = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"

    assert log_in(Client(), "grace", PASSWORD).status_code == 200  # the old password no longer works
    assert log_in(Client(), "grace", NEW_PASSWORD)["Location"] == "/chat/"
    again = Client().get(link, follow=True).content.decode()
    assert "This link no longer works" in again and "Choose a new password</h1>" not in again


def test_a_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(grace):
    sent = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert sent.status_code == 302 and sent["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []  # nobody can learn from the page whether an address has an account


def test_a_signed_in_guest_changes_their_password_only_with_the_old_one(grace):
    client = Client()
    client.force_login(grace)
    assert 'href="/accounts/password/"' in client.get("/accounts/").content.decode()
    wrong = client.post(
        "/accounts/password/",
        {"old_password": "not-it", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert "old password was entered incorrectly" in wrong.content.decode()
    grace.refresh_from_db()
    assert grace.check_password(PASSWORD)

    changed = client.post(
        "/accounts/password/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Your password is changed." in changed.content.decode()
    assert client.get("/accounts/").status_code == 200  # still signed in here
    assert log_in(Client(), "grace", NEW_PASSWORD)["Location"] == "/chat/"


def test_guessing_a_password_locks_that_username_from_that_address_for_the_cool_off(grace):
    attacker = Client()
    for _ in range(4):
        assert (
            log_in(attacker, "grace", "guess").status_code == 200
        )  # "enter a correct username and password"
    assert log_in(attacker, "grace", "guess").status_code == 429  # the fifth wrong one locks
    locked = log_in(attacker, "grace", PASSWORD)  # even the right password, now
    page = locked.content.decode()
    assert locked.status_code == 429 and "Too many tries" in page and "15 minutes" in page
    assert 'href="/accounts/password/reset/"' in page
    assert "data-token" not in attacker.get("/chat/").content.decode()  # not signed in

    User.objects.create_user("ada", "ada@example.org", PASSWORD)
    assert log_in(Client(), "ada", PASSWORD)["Location"] == "/chat/"  # other accounts are not locked

    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(Client(), "grace", PASSWORD)["Location"] == "/chat/"  # after the cool-off


def test_staff_logins_in_the_admin_are_locked_the_same_way():
    User.objects.create_superuser("boss", "boss@example.org", PASSWORD)
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "boss", "password": "guess"})
    response = client.post("/admin/login/", {"username": "boss", "password": PASSWORD})
    assert response.status_code == 429 and "_auth_user_id" not in client.session


@override_settings(AXES_IPWARE_META_PRECEDENCE_ORDER=("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"))
def test_behind_the_proxy_the_lock_follows_the_guests_address_not_what_they_write_in_the_header(grace):
    def from_address(forwarded_for: str) -> Client:
        return Client(
            REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR=forwarded_for
        )  # every request via the proxy

    for n in range(
        5
    ):  # the attacker makes up a new left-hand address each time; the proxy appends the real one
        log_in(from_address(f"1.1.1.{n}, 8.8.8.8"), "grace", "guess")
    assert log_in(from_address("9.9.9.9, 8.8.8.8"), "grace", PASSWORD).status_code == 429
    assert log_in(from_address("8.8.4.4"), "grace", PASSWORD)["Location"] == "/chat/"  # grace, elsewhere
