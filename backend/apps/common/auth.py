"""Service-token authentication for the assistant, plus the matching permission."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from apps.common.rotation import rotating_secret


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
    """`Authorization: Token <BACKEND_SERVICE_TOKEN>` (or, while rotating, the previous token)."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[ServiceUser, str] | None:
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        # During a rotation the previous token is accepted too, until BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL.
        if not rotating_secret("BACKEND_SERVICE_TOKEN").matches(header[1]):
            raise exceptions.AuthenticationFailed("Invalid token.")
        return ServiceUser(), header[1]

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def is_service_or_staff(user: Any) -> bool:
    return bool(getattr(user, "is_service", False) or (user and user.is_authenticated and user.is_staff))


class IsServiceOrStaff(permissions.BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return is_service_or_staff(request.user)
