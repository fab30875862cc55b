from django.contrib import admin
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.common.metrics_endpoint import metrics_view
from apps.ordering.checkout import checkout_details
from apps.payments.views import sandbox_pay_page


def home(request: HttpRequest) -> HttpResponseRedirect:
    return HttpResponseRedirect("/api/docs/")


urlpatterns = [
    path("", home),
    path("admin/", admin.site.urls),
    path("metrics", metrics_view, name="metrics"),  # Prometheus; Bearer $METRICS_TOKEN
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/", include("restaurant_backend.api_urls")),
    path("api/v1/", include(("restaurant_backend.api_urls", "v1"), namespace="v1")),
    path("checkout/<str:token>/", checkout_details, name="checkout-details"),
    path("pay/<str:intent_id>/", sandbox_pay_page, name="sandbox-pay"),
    path("chat/", include("apps.chat.urls")),
    path("review/", include("apps.review.urls")),
    path("insights/", include("apps.insights.urls")),
    path("kitchen/", include("apps.kitchen.urls")),
    path("support/", include("apps.support.urls")),
    path("accounts/", include("apps.accounts.urls")),
]

handler404 = "apps.common.errors.json_404"
handler500 = "apps.common.errors.json_500"

admin.site.site_header = "Restaurant backend"
admin.site.site_title = "Restaurant admin"
