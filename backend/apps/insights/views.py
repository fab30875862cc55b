"""The owner's page: is the assistant selling, and what does it cost?

Charts: Chart.js 4 (MIT), vendored from npm (``npm pack chart.js@4``; ``dist/chart.umd.js`` and its licence in
``static/insights/vendor/``). It is a widely used, actively maintained library with no dependencies, served
from our own origin (no CDN, works offline, fits a ``script-src 'self'`` CSP). The figures travel in a
``json_script`` block (JSON, not executed) and ``static/insights/charts.js`` draws them; every chart is
also shown as a table, so the page is complete and accessible without JavaScript. Server-side matplotlib
was the alternative; it would cost CPU per request and give static, non-interactive images.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .figures import Figures, compute

PERMISSION = "insights.view_insights"
DEFAULT_DAYS = 30
MAX_DAYS = 366


def owner_required(view):
    @login_required(login_url="/admin/login/")
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        user = request.user
        if not (user.is_active and user.is_staff and user.has_perm(PERMISSION)):
            raise PermissionDenied("staff with the insights permission only")
        return view(request, *args, **kwargs)

    return wrapped


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def date_range(params) -> tuple[dt.date, dt.date]:
    today = timezone.now().astimezone(dt.timezone.utc).date()
    end = _date(params.get("to")) or today
    start = _date(params.get("from")) or end - dt.timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        start, end = end, start
    if (end - start).days >= MAX_DAYS:
        start = end - dt.timedelta(days=MAX_DAYS - 1)
    return start, end


@require_GET
@owner_required
def insights(request: HttpRequest) -> HttpResponse:
    start, end = date_range(request.GET)
    error = ""
    try:
        figures = compute(start, end)
    except DatabaseError as exc:  # e.g. no var/tracker.db yet
        error = f"The tracker store is not reachable ({exc.__class__.__name__})."
        figures = Figures(start=start, end=end)
    return render(
        request,
        "insights/page.html",
        {
            "f": figures,
            "chart": figures.chart_data(),
            "error": error,
            "from": start.isoformat(),
            "to": end.isoformat(),
        },
    )
