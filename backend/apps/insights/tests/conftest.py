from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connections
from django.test import Client

FIXTURE = Path(__file__).parent / "fixtures" / "tracker.db"  # written by Rasa: make_tracker_fixture.py


@pytest.fixture
def tracker(tmp_path, settings) -> Path:
    """A copy of the insights fixture tracker store, wired to the review app's read-only "tracker" alias
    (the same way as apps/review/tests/conftest.py does for its own fixture)."""
    path = tmp_path / "tracker.db"
    shutil.copy(FIXTURE, path)
    settings.TRACKER_DATABASE_URL = f"sqlite:///{path}"
    conn = connections["tracker"]
    old = conn.settings_dict["NAME"]
    conn.settings_dict["NAME"] = f"file:{path}?mode=ro"
    conn.close()
    yield path
    conn.close()
    conn.settings_dict["NAME"] = old


@pytest.fixture
def owner(db) -> User:
    user = User.objects.create_user("olga", password="pw-olga-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_insights", content_type__app_label="insights"))
    return user


@pytest.fixture
def oclient(owner) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)
    return client
