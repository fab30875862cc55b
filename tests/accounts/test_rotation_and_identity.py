"""Chat tokens verified at the channel edge, and secrets rotated with a window (no Rasa needed)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from channels.identity import identify, verify_token
from service_common.secret_rotation import (
    MalformedDeadline,
    accepted_from_env,
    accepted_secrets,
    check_deadlines,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc)
CUSTOMER = "cus_0123456789abcdef"
NEW, OLD = "new-chat-key-0123456789abcdef0123", "old-chat-key-0123456789abcdef0123"


def token(secret: str = NEW, *, sub: str = CUSTOMER, ttl: int = 300) -> str:
    now = int(time.time())
    return jwt.encode({"sub": sub, "iat": now, "exp": now + ttl}, secret, algorithm="HS256")


def test_previous_secret_is_accepted_only_inside_the_window():
    until = (NOW + timedelta(hours=1)).isoformat()
    assert accepted_secrets(NEW, OLD, until, now=NOW) == [NEW, OLD]
    assert accepted_secrets(NEW, OLD, until, now=NOW + timedelta(hours=1)) == [NEW]
    assert accepted_secrets(NEW, OLD, "", now=NOW) == [NEW]  # no window: the old value is dead


def test_a_malformed_deadline_is_an_error_not_a_closed_window():
    """The same rule as the backend's (backend/tests/test_secret_rotation.py): refused, never ignored."""
    with pytest.raises(MalformedDeadline, match="WEBHOOK_SECRET_PREVIOUS_UNTIL"):
        accepted_from_env(
            "WEBHOOK_SECRET",
            {
                "WEBHOOK_SECRET": NEW,
                "WEBHOOK_SECRET_PREVIOUS": OLD,
                "WEBHOOK_SECRET_PREVIOUS_UNTIL": "not a date",
            },
            now=NOW,
        )
    with pytest.raises(MalformedDeadline, match="CHAT_SESSION_SECRET_PREVIOUS_UNTIL"):
        check_deadlines(
            ["CHAT_JWT_SECRET", "CHAT_SESSION_SECRET"],
            {
                "CHAT_JWT_SECRET_PREVIOUS_UNTIL": "2026-11-25T13:00Z",
                "CHAT_SESSION_SECRET_PREVIOUS_UNTIL": "next tuesday",
            },
        )
    check_deadlines(["CHAT_JWT_SECRET"], {})  # nothing set: nothing to refuse


def test_rotation_from_the_environment_with_a_zulu_timestamp():
    env = {
        "WEBHOOK_SECRET": NEW,
        "WEBHOOK_SECRET_PREVIOUS": OLD,
        "WEBHOOK_SECRET_PREVIOUS_UNTIL": "2026-11-25T13:00Z",
    }
    assert accepted_from_env("WEBHOOK_SECRET", env, now=NOW) == [NEW, OLD]
    assert accepted_from_env("WEBHOOK_SECRET", env, now=NOW + timedelta(hours=2)) == [NEW]


def test_a_valid_token_names_the_customer_and_nothing_else():
    metadata, verdict = identify({"token": token(), "message_id": "m1"}, [NEW])
    assert verdict.customer == CUSTOMER and verdict.problem is None
    assert metadata == {"customer": CUSTOMER, "message_id": "m1"}  # the token itself is not kept


def test_a_client_cannot_claim_a_customer_without_a_token():
    metadata, verdict = identify({"customer": CUSTOMER}, [NEW])
    assert "customer" not in metadata and verdict.problem is None


@pytest.mark.parametrize(
    "bad, problem",
    [
        # made when the test runs, not at collection: a token made then expires during a long run
        (lambda: token(OLD), "invalid"),  # signed with a key we don't accept
        (lambda: token(ttl=-10), "expired"),  # ours, but too old
        (lambda: token()[:-4] + "AAAA", "invalid"),  # tampered signature
        (lambda: token(sub="Ada Lovelace"), "invalid"),  # not an opaque customer id
        (lambda: jwt.encode({"sub": CUSTOMER}, NEW, algorithm="HS256"), "invalid"),  # no expiry at all
        (lambda: "garbage", "invalid"),
    ],
)
def test_bad_tokens_are_refused_and_the_guest_stays_a_guest(bad, problem):
    metadata, verdict = identify({"token": bad(), "customer": CUSTOMER}, [NEW])
    assert verdict.problem == problem and verdict.customer is None
    assert "customer" not in metadata and "token" not in metadata


def test_a_token_signed_with_the_previous_key_works_during_rotation_only():
    during = accepted_secrets(NEW, OLD, (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat())
    after = accepted_secrets(NEW, OLD, (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat())
    assert verify_token(token(OLD), during).customer == CUSTOMER
    assert verify_token(token(OLD), after).problem == "invalid"
    assert verify_token(token(NEW), after).customer == CUSTOMER


def test_an_id_the_backend_mints_is_one_the_channel_accepts():
    from service_common.customer_ids import is_customer_id, new_customer_id

    minted = new_customer_id()
    assert is_customer_id(minted) and verify_token(token(sub=minted), [NEW]).customer == minted
    assert not is_customer_id(minted.upper()) and not is_customer_id(None)
