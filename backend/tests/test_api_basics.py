"""Auth, throttling, the error shape, the /api/v1/ alias, schema and docs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from apps.restaurant.models import Restaurant
from tests.conftest import error_code, new_cart

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "method,url",
    [
        ("post", "/api/carts/"),
        ("get", "/api/carts/1/"),
        ("post", "/api/orders/"),
        ("get", "/api/orders/1/"),
        ("post", "/api/handoffs/"),
        ("post", "/api/orders/1/status/"),
    ],
)
def test_service_endpoints_need_the_token(public, method, url):
    response = getattr(public, method)(url, {}, format="json")
    assert response.status_code == 401 and error_code(response) == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_wrong_token_is_rejected(public):
    public.credentials(HTTP_AUTHORIZATION="Token not-the-token")
    response = public.post("/api/carts/", {}, format="json")
    assert response.status_code == 401 and error_code(response) == "not_authenticated"


def test_staff_session_may_use_the_api_but_other_users_may_not(public, demo):
    public.force_login(User.objects.create_user("guest", password="pw-guest-123"))
    response = public.post("/api/carts/", {}, format="json")
    assert response.status_code == 403 and error_code(response) == "permission_denied"
    public.force_login(User.objects.create_user("chef", password="pw-chef-123", is_staff=True))
    assert public.post("/api/carts/", {}, format="json").status_code == 201


def test_throttled_requests_get_429_with_retry_after(public, settings, demo):
    settings.THROTTLE_RATES = {"anon": "3/min", "service": "3/min"}
    codes = [public.get("/api/menu/categories/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = public.get("/api/menu/categories/")
    assert error_code(response) == "throttled"
    assert int(response["Retry-After"]) > 0


def test_v1_alias_serves_the_same_api(api, public, demo):
    assert public.get("/api/v1/menu/items/").json() == public.get("/api/menu/items/").json()
    cart = new_cart(api)
    assert api.get(f"/api/v1/carts/{cart['id']}/").json() == cart


def test_unknown_api_path_and_bad_json_use_the_error_shape(api, public):
    response = public.get("/api/nothing-here/")
    assert response.status_code == 404 and error_code(response) == "not_found"
    response = api.post("/api/carts/", "{not json", content_type="application/json")
    assert response.status_code == 400 and error_code(response) == "validation_error"
    response = api.post("/api/carts/", ["a", "list"], format="json")
    assert response.status_code == 400 and error_code(response) == "validation_error"
    response = public.delete("/api/menu/items/")
    assert response.status_code in (401, 405)


def test_schema_and_docs(public):
    schema = public.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/orders/" in paths and "/api/menu/items/{id}/" in paths
    assert not [p for p in paths if p.startswith("/api/v1/")]
    docs = public.get("/api/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


ALWAYS_OPEN = {
    day: [["00:00", "00:00"]]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
}  # closing <= opening: past midnight


def test_handoff(api, demo):
    Restaurant.objects.update(opening_hours=ALWAYS_OPEN)
    response = api.post(
        "/api/handoffs/", {"conversation_id": "conv-9", "reason": "allergy question"}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "open" and body["expected_response_minutes"] == 10
    assert body["staff_available"] is True and body["phone"] == "+31 20 000 0000"
    assert set(body) == {
        "id",
        "status",
        "created_at",
        "expected_response_minutes",
        "staff_available",
        "phone",
    }
    missing = api.post("/api/handoffs/", {"reason": "x"}, format="json")
    assert missing.status_code == 400 and error_code(missing) == "validation_error"
    assert "conversation_id" in missing.json()["error"]["details"]
