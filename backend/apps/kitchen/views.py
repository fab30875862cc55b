"""The kitchen display: staff see open orders live and move them along (docs/kitchen-and-pos.md)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST

from apps.common.errors import ApiError
from apps.kitchen.board import ACTIONS, board, order_card
from apps.ordering.models import Order
from apps.ordering.orders import set_status
from apps.support.models import Handoff


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to settings.LOGIN_URL; logged-in non-staff get 403."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied("kitchen staff only")
        return view(request, *args, **kwargs)

    return wrapped


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@staff_required
@require_GET
@ensure_csrf_cookie
def page(request: HttpRequest) -> HttpResponse:
    return render(request, "kitchen/page.html", {"orders": board(), "waiting_guests": waiting_guests()})


@staff_required
@require_GET
def orders_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"orders": board(), "waiting_guests": waiting_guests()})


def waiting_guests() -> int:
    """Guests who asked for a person and wait unclaimed: a badge (and a sound) on the kitchen page.
    A count only: their words are on the staff page, behind support.handle_handoff."""
    return Handoff.objects.filter(status=Handoff.Status.OPEN).count()


@staff_required
@require_POST
def change_status(request: HttpRequest, order_id: int) -> HttpResponse:
    status = request.POST.get("status", "")
    try:
        if status not in ACTIONS:
            raise ApiError("invalid_status_transition", "That isn't a step the kitchen can take.", 409)
        order = set_status(order_id, status, actor=request.user.get_username(), enforce_window=False)
    except ApiError as error:
        if _wants_json(request):
            return JsonResponse(
                {"error": {"code": error.code, "message": error.message}}, status=error.status_code
            )
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("kitchen:page"))
    text = f"Order {order.number}: {Order.Status(status).label.lower()}."
    if _wants_json(request):
        return JsonResponse({"message": text, "order": order_card(Order.objects.get(pk=order.pk))})
    messages.success(request, text)
    return HttpResponseRedirect(reverse("kitchen:page"))
