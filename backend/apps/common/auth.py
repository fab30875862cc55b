"""Service-token authentication for the assistant, plus the matching permission."""
from __future__ import annotations

import hmac
from typing import Any

from django.conf import settings
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request


class ServiceUser:
    """The assistant: authenticated by the shared service token, not a database user."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_service = True
    pk = None
    id = None
    username = "assistant-service"

    def __str__(self) -> str:
        return self.username


class ServiceTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Token <BACKEND_SERVICE_TOKEN>`."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ServiceUser, str] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        expected = settings.BACKEND_SERVICE_TOKEN
        if not expected or not hmac.compare_digest(header[1].encode(), expected.encode()):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return ServiceUser(), header[1]

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def is_service_or_staff(user: Any) -> bool:
    return bool(getattr(user, "is_service", False) or (user and user.is_authenticated and user.is_staff))


class IsServiceOrStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_service_or_staff(request.user)
