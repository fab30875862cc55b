"""The short-lived chat token: what it says, who can verify it, how long it lives, and /chat/token/."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

import jwt
import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings

from apps.chat.tokens import decode_chat_token, mint_chat_token
from apps.customers.models import Customer, customer_for_user

pytestmark = pytest.mark.django_db
SECRET = "test-chat-jwt-secret-0123456789-abcdefghijklmnop"
CHAT = {
    "CHAT_SOCKET_URL": "https://rasa.example",
    "CHAT_STREAM_URL": "https://actions.example",
    "CHAT_JWT_SECRET": SECRET,
    "CHAT_TOKEN_TTL_SECONDS": 900,
}


@pytest.fixture
def ada() -> User:
    return User.objects.create_user(
        "ada", "ada@example.org", "pw-ada-12345", first_name="Ada", last_name="Lovelace"
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def payload(token: str) -> dict:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@override_settings(**CHAT)
def test_token_names_only_the_opaque_customer_and_expires_after_the_ttl(ada):
    customer = customer_for_user(ada)
    customer.phone = "+31612345678"
    customer.save()
    now = datetime(2026, 11, 25, 12, 0, 0, tzinfo=dt_timezone.utc)
    minted = mint_chat_token(customer, now=now)

    claims = payload(minted.token)
    assert claims == {
        "sub": customer.public_id,
        "iat": int(now.timestamp()),
        "exp": int(now.timestamp()) + 900,
        "iss": "restaurant-backend",
    }  # no aud, nothing personal
    header = json.loads(base64.urlsafe_b64decode(minted.token.split(".")[0] + "=="))
    assert header["alg"] == "HS256"
    assert minted.expires_at_iso == "2026-11-25T12:15:00Z"
    for personal in ("Ada", "Lovelace", "ada@example.org", "+31612345678"):
        assert personal not in json.dumps(claims)


@override_settings(**CHAT)
def test_rasa_style_decode_accepts_a_fresh_token_and_refuses_expired_forged_or_altered_ones(ada):
    customer = customer_for_user(ada)
    fresh = mint_chat_token(customer).token
    # exactly how Rasa's socket.io channel checks it: key and algorithms, no audience or issuer
    assert jwt.decode(fresh, SECRET, algorithms=["HS256"])["sub"] == customer.public_id
    assert decode_chat_token(fresh)["sub"] == customer.public_id

    expired = mint_chat_token(customer, now=datetime.now(tz=dt_timezone.utc) - timedelta(seconds=901)).token
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, SECRET, algorithms=["HS256"])
    forged = jwt.encode({**payload(fresh)}, "someone-elses-secret-0123456789-abcdefgh", algorithm="HS256")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(forged, SECRET, algorithms=["HS256"])
    other = Customer.objects.create()
    head, _, signature = fresh.split(".")
    swapped = base64.urlsafe_b64encode(
        json.dumps({**payload(fresh), "sub": other.public_id}).encode()
    ).decode()
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{swapped.rstrip('=')}.{signature}", SECRET, algorithms=["HS256"])


@override_settings(**{**CHAT, "CHAT_TOKEN_TTL_SECONDS": 60})
def test_ttl_comes_from_settings(ada):
    claims = payload(mint_chat_token(customer_for_user(ada)).token)
    assert claims["exp"] - claims["iat"] == 60


@override_settings(**CHAT)
def test_every_chat_page_carries_the_token_for_a_logged_in_guest_and_nothing_for_a_guest(ada):
    client = logged_in(ada)
    customer = customer_for_user(ada)
    for url, script in (
        ("/chat/", "chat/widget.js"),
        ("/chat/embed/", "chat/widget.js"),
        ("/chat/webchat/", "chat/webchat-mount.js"),
    ):
        page = client.get(url)
        tag = re.search(
            r'<script src="/static/' + re.escape(script) + r'"[^>]*>', page.content.decode()
        ).group(0)
        token = re.search(r'data-token="([^"]+)"', tag).group(1)
        assert decode_chat_token(token)["sub"] == customer.public_id, url
        assert "data-customer" not in tag and f'"{customer.public_id}"' not in page.content.decode(), url
        assert "no-store" in page["Cache-Control"], url
        guest = Client().get(url).content.decode()
        assert "data-token" not in guest and "data-logout-url" not in guest, url


@override_settings(**CHAT)
def test_token_endpoint_renews_for_the_logged_in_guest_and_refuses_anonymous(ada):
    response = logged_in(ada).get("/chat/token/")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "expires_at"}
    claims = decode_chat_token(body["token"])
    assert claims["sub"] == customer_for_user(ada).public_id
    assert body["expires_at"] == datetime.fromtimestamp(claims["exp"], tz=dt_timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ"
    )
    assert "no-store" in response["Cache-Control"]

    anonymous = Client().get("/chat/token/")
    assert anonymous.status_code == 401 and anonymous["Content-Type"] == "application/json"
    assert (
        anonymous.json()["error"]["code"] == "not_authenticated" and "no-store" in anonymous["Cache-Control"]
    )
    assert logged_in(ada).post("/chat/token/").status_code == 405


@override_settings(**CHAT)
def test_a_token_minted_with_a_rotated_out_secret_no_longer_verifies(ada):
    old = mint_chat_token(customer_for_user(ada)).token
    with override_settings(CHAT_JWT_SECRET="the-new-chat-secret-0123456789-abcdefghij"):
        new = mint_chat_token(customer_for_user(ada)).token
        assert decode_chat_token(new)
        with pytest.raises(jwt.InvalidSignatureError):
            decode_chat_token(old)
