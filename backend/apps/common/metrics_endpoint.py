"""GET /metrics: the Prometheus exposition of apps.common.metrics, behind ``METRICS_TOKEN``."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from apps.common.errors import error_body, json_404
from restaurant_backend.env import env_str


def registry() -> CollectorRegistry:
    if env_str("PROMETHEUS_MULTIPROC_DIR"):  # set by gunicorn.conf.py for its workers
        collected = CollectorRegistry()
        MultiProcessCollector(collected)
        return collected
    return REGISTRY


def _authorised(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """Prometheus exposition; needs ``Authorization: Bearer $METRICS_TOKEN``. No token configured:
    the endpoint does not exist (404)."""
    token = getattr(settings, "METRICS_TOKEN", "")
    if not token:
        return json_404(request)
    if not _authorised(request, token):
        response = JsonResponse(error_body("not_authenticated", "Invalid metrics token."), status=401)
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
