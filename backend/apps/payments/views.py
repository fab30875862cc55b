from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.errors import ApiError
from apps.common.tasks import submit
from apps.payments.models import Payment
from apps.payments.providers import InvalidWebhook, get_provider
from apps.payments.providers.sandbox import SandboxProvider
from apps.payments.services import apply_webhook

logger = logging.getLogger(__name__)


class PaymentWebhookView(APIView):
    """Provider callbacks. Authenticated by the provider's signature, not by a token."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    throttle_classes: list[type] = []

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, provider: str) -> Response:
        try:
            impl = get_provider(provider)
        except LookupError:
            raise ApiError("not_found", "Unknown payment provider.", 404) from None
        try:
            event = impl.parse_webhook(request.body, dict(request.headers))
        except InvalidWebhook as exc:
            logger.warning("rejected %s payment webhook: %s", provider, exc)
            raise ApiError("invalid_signature", "Webhook signature invalid or stale.", 401) from None
        payment = apply_webhook(impl.name, event)
        return Response({"received": True, "known_intent": payment is not None})


@require_http_methods(["GET", "POST"])
def sandbox_pay_page(request: HttpRequest, intent_id: str) -> HttpResponse:
    """The sandbox's hosted checkout page: 'Pay (sandbox)' or 'Decline'."""
    payment = get_object_or_404(
        Payment.objects.select_related("order"), provider="sandbox", intent_id=intent_id
    )
    if request.method == "POST":
        action = request.POST.get("action")
        payable = payment.status in (Payment.Status.PENDING, Payment.Status.FAILED)
        if payable and action in ("pay", "decline"):
            outcome = "succeeded" if action == "pay" else "failed"
            submit(SandboxProvider().send_callback, intent_id, outcome)
            # the callback may still be on its way: the page refreshes itself while pending
            return HttpResponseRedirect(request.path + "?processing=1")
        return HttpResponseRedirect(request.path)
    return render(request, "payments/sandbox_pay.html", {"payment": payment, "order": payment.order})
