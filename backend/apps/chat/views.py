"""The website chat: a full-page chat at /chat/, a demo of the one-tag embed, and the third-party
rasa-webchat widget at /chat/webchat/.

The pages only tell the browser where Rasa's socket.io server (CHAT_SOCKET_URL) and the action
server's answer stream (CHAT_STREAM_URL) are; the conversation itself never passes through Django.
For a logged-in user the page also carries a short-lived signed chat token (apps/chat/tokens.py), which
the widget presents to Rasa and sends with every message; /chat/token/ gives it a fresh one. Names,
e-mails and phone numbers never reach the page.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import patch_cache_control
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from apps.chat.tokens import mint_chat_token
from apps.common.errors import error_body
from apps.customers.models import customer_for_user


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _websocket_origin(url: str) -> str:
    origin = _origin(url)
    if origin.startswith("https://"):
        return "wss://" + origin[len("https://") :]
    if origin.startswith("http://"):
        return "ws://" + origin[len("http://") :]
    return ""


def chat_context(request: HttpRequest) -> dict[str, str]:
    """Where the widget connects, and for a logged-in guest their chat token and where to renew it."""
    context = {
        "socket_url": settings.CHAT_SOCKET_URL,
        "stream_url": settings.CHAT_STREAM_URL,
        "chat_token": "",
        "chat_token_expires_at": "",
        "token_url": "",
        "logout_url": "",
        "login_url": "",
    }
    customer = customer_for_user(request.user)
    if customer is not None:
        token = mint_chat_token(customer)
        context.update(
            chat_token=token.token,
            chat_token_expires_at=token.expires_at_iso,
            token_url=reverse("chat:token"),
            logout_url=reverse("accounts:logout"),
            login_url=f"{reverse('accounts:login')}?{urlencode({'next': request.path})}",
        )
    return context


def _secure(response: HttpResponse, context: dict[str, str], *, strict: bool) -> HttpResponse:
    """Content-Security-Policy for a chat page: it may talk to the chat servers and be framed only
    by the sites in CHAT_ALLOWED_ORIGINS. A page with a chat token is never stored by any cache."""
    connect = ["'self'"]
    for value in (
        _origin(context["socket_url"]),
        _websocket_origin(context["socket_url"]),
        _origin(context["stream_url"]),
    ):
        if value and value not in connect:
            connect.append(value)
    ancestors = " ".join(["'self'", *settings.CHAT_ALLOWED_ORIGINS])
    policy = [
        f"connect-src {' '.join(connect)}",
        f"frame-ancestors {ancestors}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
    if strict:  # our own widget: no inline code at all
        policy = ["default-src 'self'", "img-src 'self' data: https: http:", *policy]
    response["Content-Security-Policy"] = "; ".join(policy)
    if context["chat_token"]:
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_GET
@xframe_options_exempt  # framing is governed by the CSP frame-ancestors above
def chat_page(request: HttpRequest) -> HttpResponse:
    """The full-page chat: the same widget.js as the embed, in page mode."""
    context = chat_context(request)
    return _secure(render(request, "chat/page.html", context), context, strict=True)


@require_GET
def embed_demo(request: HttpRequest) -> HttpResponse:
    """A sample restaurant page with the one-tag embed (floating launcher and panel)."""
    context = chat_context(request)
    return _secure(render(request, "chat/embed_demo.html", context), context, strict=True)


@require_GET
def webchat_page(request: HttpRequest) -> HttpResponse:
    """The third-party rasa-webchat widget mounted against the same Rasa socket.io server."""
    context = chat_context(request)
    # rasa-webchat (React) sets inline styles and needs a small inline mount script: no strict policy.
    return _secure(render(request, "chat/webchat.html", context), context, strict=False)


@require_GET
def chat_token(request: HttpRequest) -> JsonResponse:
    """A fresh chat token for the logged-in guest (the widget renews before the old one runs out)."""
    customer = customer_for_user(request.user)
    if customer is None:
        response = JsonResponse(
            error_body("not_authenticated", "Log in to chat from your account."), status=401
        )
    else:
        token = mint_chat_token(customer)
        response = JsonResponse({"token": token.token, "expires_at": token.expires_at_iso})
    patch_cache_control(response, private=True, no_store=True)
    return response
