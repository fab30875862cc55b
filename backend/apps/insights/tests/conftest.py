from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from apps.review.tests.tracker_copy import tracker_copy

FIXTURE = (
    Path(__file__).parent / "fixtures" / "tracker.db"
)  # written by Rasa: tests/review/make_insights_fixture.py


@pytest.fixture
def tracker(tmp_path, settings) -> Path:
    """A copy of the insights fixture tracker store, wired to the review app's read-only "tracker" alias
    (the review tests' helper)."""
    with tracker_copy(FIXTURE, tmp_path, settings) as path:
        yield path


@pytest.fixture
def owner(db) -> User:
    user = User.objects.create_user("olga", password="pw-olga-123", is_staff=True)
    user.user_permissions.add(
        Permission.objects.get(codename="view_insights", content_type__app_label="insights")
    )
    return user


@pytest.fixture
def oclient(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client
