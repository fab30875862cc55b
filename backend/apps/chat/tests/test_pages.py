"""The chat pages: where the browser is told to connect, the chat token for a logged-in user, security
headers, and the static files (own widget, vendored socket.io client and rasa-webchat)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

from apps.chat.tokens import decode_chat_token
from apps.customers.models import Customer

pytestmark = pytest.mark.django_db
BACKEND = Path(__file__).resolve().parents[3]
CHAT = {
    "CHAT_SOCKET_URL": "https://rasa.example",
    "CHAT_STREAM_URL": "https://actions.example",
    "CHAT_ALLOWED_ORIGINS": ["https://restaurant.example"],
}


def script_tag(html: str, src: str) -> str:
    match = re.search(r'<script src="' + re.escape(src) + r'"[^>]*>', html)
    assert match, html
    return match.group(0)


@override_settings(**CHAT)
def test_chat_page_uses_the_widget_in_page_mode_with_the_configured_servers():
    page = Client().get("/chat/")
    assert page.status_code == 200
    html = page.content.decode()
    tag = script_tag(html, "/static/chat/widget.js")
    assert 'data-mode="page"' in tag and 'data-socket-url="https://rasa.example"' in tag
    assert 'data-stream-url="https://actions.example"' in tag and "data-customer" not in tag
    assert '<script src="/static/chat/vendor/socket.io.min.js" defer>' in html
    assert '<link rel="stylesheet" href="/static/chat/widget.css">' in html
    assert "<script>" not in html and "style=" not in html  # nothing inline: the strict CSP holds


@override_settings(**CHAT)
def test_chat_page_security_headers():
    page = Client().get("/chat/")
    policy = dict(part.strip().split(" ", 1) for part in page["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'"
    assert policy["connect-src"].split() == [
        "'self'",
        "https://rasa.example",
        "wss://rasa.example",
        "https://actions.example",
    ]
    assert policy["frame-ancestors"].split() == ["'self'", "https://restaurant.example"]
    assert "X-Frame-Options" not in page  # framing is governed by frame-ancestors
    assert Client().post("/chat/").status_code == 405


@override_settings(**CHAT)
def test_logged_in_user_gets_a_linked_customer_and_only_a_signed_token_reaches_the_page():
    user = User.objects.create_user(
        "ada", "ada@example.org", "pw-ada-12345", first_name="Ada", last_name="Lovelace"
    )
    browser = Client()
    browser.force_login(user)
    page = browser.get("/chat/")
    customer = Customer.objects.get(user=user)
    html = page.content.decode()
    tag = script_tag(html, "/static/chat/widget.js")
    token = re.search(r'data-token="([^"]+)"', tag).group(1)
    assert decode_chat_token(token)["sub"] == customer.public_id  # the identity is the signed token
    assert "data-customer" not in tag and 'data-token-url="/chat/token/"' in tag
    assert (
        'data-logout-url="/accounts/logout/"' in tag
        and 'data-login-url="/accounts/login/?next=%2Fchat%2F"' in tag
    )
    assert "ada@example.org" not in html and "Lovelace" not in html
    assert "no-store" in page["Cache-Control"] and "private" in page["Cache-Control"]
    browser.get("/chat/")
    assert Customer.objects.filter(user=user).count() == 1  # linked once, then reused


@override_settings(**CHAT)
def test_embed_demo_shows_the_one_tag_snippet_and_launcher_mode():
    html = Client().get("/chat/embed/").content.decode()
    tag = script_tag(html, "/static/chat/widget.js")
    assert "data-mode" not in tag and 'data-socket-url="https://rasa.example"' in tag
    assert "socket.io.min.js" not in html  # one tag: the widget loads the client itself
    assert "http://testserver/static/chat/widget.js" in html  # the snippet to copy


@override_settings(**CHAT)
def test_webchat_page_mounts_rasa_webchat_against_the_socket_url():
    page = Client().get("/chat/webchat/")
    assert page.status_code == 200
    html = page.content.decode()
    assert '<script src="/static/chat/vendor/rasa-webchat/webchat.js" defer>' in html
    tag = script_tag(html, "/static/chat/webchat-mount.js")
    assert 'data-socket-url="https://rasa.example"' in tag and 'data-target="#webchat"' in tag
    assert "https://rasa.example" in page["Content-Security-Policy"]


def test_static_files_are_found_and_vendored_with_their_licences():
    for name in (
        "chat/widget.js",
        "chat/widget.css",
        "chat/webchat-mount.js",
        "chat/demo.css",
        "chat/vendor/socket.io.min.js",
        "chat/vendor/socket.io-client.LICENSE",
        "chat/vendor/rasa-webchat/webchat.js",
        "chat/vendor/rasa-webchat/LICENSE",
    ):
        assert finders.find(name), name
    client = Path(finders.find("chat/vendor/socket.io.min.js")).read_text()
    assert client.startswith("/*!\n * Socket.IO v4.8.1") and "Released under the MIT License." in client[:200]
    assert "sourceMappingURL" not in client  # the map is not vendored
    webchat = Path(finders.find("chat/vendor/rasa-webchat/webchat.js")).read_text()
    assert webchat.startswith("/*! rasa-webchat 1.0.1") and "Apache License" in webchat[:200]
    assert "t.protocol=5" in webchat  # its bundled socket.io-client speaks socket.io v3+ (Engine.IO 4)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_widget_scripts_are_valid_javascript():
    for name in ("chat/widget.js", "chat/webchat-mount.js"):
        done = subprocess.run(["node", "--check", finders.find(name)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


def test_chat_settings_come_from_the_environment_with_development_defaults():
    code = (
        "from django.conf import settings as s; "
        "print(s.CHAT_SOCKET_URL, s.CHAT_STREAM_URL, ','.join(s.CHAT_ALLOWED_ORIGINS) or '-')"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAT_")}
    env["DJANGO_SETTINGS_MODULE"] = "restaurant_backend.settings"

    def run(**extra: str) -> str:
        return subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); " + code],
            cwd=BACKEND,
            env={**env, **extra},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert run() == "http://127.0.0.1:5005 http://127.0.0.1:5055 -"
    assert (
        run(
            CHAT_SOCKET_URL="https://rasa.example/",
            CHAT_STREAM_URL="",
            CHAT_ALLOWED_ORIGINS="https://a.example, https://b.example",
        )
        == "https://rasa.example  https://a.example,https://b.example"
    )
