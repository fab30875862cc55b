"""Conversation ids issued and signed by the server (channels/sessions.py): the channels accept no other.
The live REST and socket.io checks are in tests/e2e/test_conversation_ids.py."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest

from channels.sessions import SessionIds


def test_an_issued_id_is_accepted_and_every_issue_is_new():
    sessions = SessionIds(["key"])
    first, second = sessions.issue(), sessions.issue()
    assert first != second
    assert sessions.is_valid(first) and sessions.is_valid(second)


@pytest.mark.parametrize("sender", ["guest-42", "1", "", None, 42, ["x"], {"id": "x"}, "a.b"])
def test_ids_a_client_made_up_are_refused(sender):
    assert not SessionIds(["key"]).is_valid(sender)


def test_an_altered_id_or_one_signed_with_another_key_is_refused():
    issued = SessionIds(["key"]).issue()
    nonce, signature = issued.split(".")
    other_nonce = ("0" if nonce[0] != "0" else "1") + nonce[1:]
    assert not SessionIds(["key"]).is_valid(f"{other_nonce}.{signature}")
    assert not SessionIds(["another key"]).is_valid(issued)
    assert not SessionIds(["key"]).is_valid(issued + "x" * 200)


def test_during_a_rotation_ids_signed_with_the_previous_key_still_work(monkeypatch):
    old = SessionIds(["old"]).issue()
    monkeypatch.setenv("CHAT_SESSION_SECRET", "new")
    monkeypatch.setenv("CHAT_SESSION_SECRET_PREVIOUS", "old")
    monkeypatch.setenv(
        "CHAT_SESSION_SECRET_PREVIOUS_UNTIL", (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    )
    during = SessionIds.from_env()
    assert during.is_valid(old)
    assert SessionIds(["new"]).is_valid(during.issue())  # new ids are signed with the new key
    monkeypatch.setenv(
        "CHAT_SESSION_SECRET_PREVIOUS_UNTIL", (datetime.now(timezone.utc) - timedelta(days=1)).isoformat()
    )
    assert not SessionIds.from_env().is_valid(old)


def test_without_its_own_secret_the_chat_token_key_signs_under_another_salt(monkeypatch):
    monkeypatch.delenv("CHAT_SESSION_SECRET", raising=False)
    monkeypatch.setenv("CHAT_JWT_SECRET", "jwt key")
    issued = SessionIds.from_env().issue()
    assert SessionIds(["jwt key"]).is_valid(issued)
    assert SessionIds.from_env(fallback="credentials key").is_valid(SessionIds(["credentials key"]).issue())


def test_with_no_secret_at_all_ids_work_for_this_process_and_a_warning_says_so(monkeypatch, caplog):
    monkeypatch.delenv("CHAT_SESSION_SECRET", raising=False)
    monkeypatch.delenv("CHAT_JWT_SECRET", raising=False)
    with caplog.at_level(logging.WARNING, logger="channels.sessions"):
        sessions = SessionIds.from_env()
    assert sessions.is_valid(sessions.issue())
    assert "restarts" in caplog.text
    assert not SessionIds.from_env().is_valid(sessions.issue())  # another process, another key
