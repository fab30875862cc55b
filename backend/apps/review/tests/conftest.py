from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from apps.review.tests.tracker_copy import tracker_copy

FIXTURE = Path(__file__).parent / "fixtures" / "tracker.db"
DATABASES = ["default", "tracker"]
# Transactional tests: the tracker connection is re-pointed at a copy of the fixture file, which an
# open test transaction would not allow.
REVIEW_DB = {"databases": DATABASES, "transaction": True}


def checksum(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def tracker(tmp_path, settings) -> Path:
    """A copy of the fixture tracker store (made by Rasa's SQLTrackerStore), wired to the "tracker" alias."""
    settings.REVIEW_TESTS_DIR = str(tmp_path / "conversations")
    settings.REVIEW_NLU_EXPORT_FILE = str(tmp_path / "nlu" / "reviewed.yml")
    settings.REVIEW_LLM_EVAL_FILE = str(tmp_path / "llm_eval.jsonl")
    settings.REVIEW_GROUPING = "none"
    with tracker_copy(FIXTURE, tmp_path, settings) as path:
        yield path


@pytest.fixture
def reviewer(db) -> User:
    user = User.objects.create_user("rita", password="pw-rita-123", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="reviewer", content_type__app_label="review"))
    return user


@pytest.fixture
def rclient(reviewer) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    return client


def csrf_post(client: Client, url: str, data: dict, **kw):
    """POSTs like a browser: fetches a page first for the CSRF cookie, sends the token back."""
    client.get("/review/")
    token = client.cookies["csrftoken"].value
    return client.post(url, {**data, "csrfmiddlewaretoken": token}, **kw)
