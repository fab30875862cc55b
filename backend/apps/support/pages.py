"""The staff page for live takeover (support.handle_handoff): JSON endpoints it calls and the page itself.

Live like the kitchen page: the browser asks for handoffs.json every second (HANDOFF_PAGE_POLL_MS);
the guest's messages are read from the tracker store, as the review tool reads them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_GET, require_POST
from rest_framework import serializers

from apps.common.access import staff_with_permission
from apps.common.errors import ApiError
from apps.menu.models import MenuItem
from apps.ordering.inputs import AddItemSerializer, checked
from apps.support import takeover
from apps.support.board import board, card
from apps.support.inputs import LineChangeSerializer, StaffMessageSerializer

PERMISSION = "support.handle_handoff"
handler = staff_with_permission(PERMISSION)


def _body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise ApiError("validation_error", "Send a JSON object.", 400)
    return body


def _answer(work: Callable[[], Any]) -> JsonResponse:
    try:
        return JsonResponse(work() or {})
    except ApiError as error:
        return _error(error.code, error.message, error.status_code)
    except serializers.ValidationError:  # an invalid body no input names a precise error for
        return _error("validation_error", "Some fields are missing or invalid.", 400)


def _error(code: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": {"code": code, "message": message}}, status=status)


@handler
@require_GET
@ensure_csrf_cookie
def page(request: HttpRequest) -> HttpResponse:
    dishes = MenuItem.objects.filter(is_available=True).order_by("name").values("id", "name")
    return render(
        request,
        "support/page.html",
        {"poll_ms": settings.HANDOFF_PAGE_POLL_MS, "me": request.user.pk, "dishes": list(dishes)},
    )


@handler
@require_GET
def handoffs_json(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"handoffs": board(), "me": request.user.pk})


@handler
@require_POST
def claim(request: HttpRequest, handoff_id: int) -> JsonResponse:
    return _answer(lambda: {"handoff": card(takeover.claim(handoff_id, request.user))})


@handler
@require_POST
def message(request: HttpRequest, handoff_id: int) -> JsonResponse:
    def send() -> None:
        data = checked(StaffMessageSerializer, _body(request))
        takeover.say(handoff_id, request.user, data["text"])

    return _answer(send)


@handler
@require_POST
def cart(request: HttpRequest, handoff_id: int) -> JsonResponse:
    def change() -> dict[str, Any]:
        body = _body(request)
        if "line" in body:  # a dish already in the cart: its new quantity (0 takes it out)
            line = checked(LineChangeSerializer, body)
            return {"cart": takeover.change_line(handoff_id, request.user, line["line"], line["quantity"])}
        dish = checked(AddItemSerializer, body)
        return {
            "cart": takeover.add_to_cart(
                handoff_id, request.user, dish["item"], dish["quantity"], dish["options"]
            )
        }

    return _answer(change)


@handler
@require_POST
def hand_back(request: HttpRequest, handoff_id: int) -> JsonResponse:
    return _answer(lambda: {"handoff": card(takeover.hand_back(handoff_id, request.user))})
