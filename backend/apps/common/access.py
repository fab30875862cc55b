"""Staff pages: a logged-in, active staff user who also holds one permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def staff_with_permission(permission: str) -> Callable[[View], View]:
    """Anonymous visitors go to settings.LOGIN_URL; staff without `permission` (and non-staff) get 403."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not (user.is_active and user.is_staff and user.has_perm(permission)):
                raise PermissionDenied(f"needs the permission {permission}")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
