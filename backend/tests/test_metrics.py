"""GET /metrics (django-prometheus + apps/common/metrics.py), gunicorn's multiprocess mode, and Sentry."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from django.urls import path
from prometheus_client.parser import text_string_to_metric_families

from apps.payments.models import Payment
from apps.payments.providers.sandbox import SandboxProvider
from tests.conftest import new_cart, place

BACKEND_DIR = Path(__file__).resolve().parents[1]
METRICS_TOKEN = "test-metrics-token-0123456789"


@pytest.fixture
def metrics_token(settings: Any) -> str:
    settings.METRICS_TOKEN = METRICS_TOKEN
    return METRICS_TOKEN


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in a Prometheus exposition, 0 when absent."""
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def scrape(client: Any, token: str = METRICS_TOKEN) -> str:
    response = client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/plain")
    return response.content.decode()


# --- access -------------------------------------------------------------------------------------------


def test_without_a_configured_token_the_endpoint_does_not_exist(client, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong-token",
        f"Token {METRICS_TOKEN}",
        f"Basic {METRICS_TOKEN}",
        f"Bearer {METRICS_TOKEN}x",
        "Bearer",
    ],
)
def test_a_missing_or_wrong_token_is_refused(client, metrics_token, header):
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    response = client.get("/metrics", **extra)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert b"restaurant_backend_" not in response.content and b"django_http" not in response.content


def test_only_get(client, metrics_token):
    assert client.post("/metrics", HTTP_AUTHORIZATION=f"Bearer {metrics_token}").status_code == 405


@pytest.mark.django_db
def test_the_right_token_gets_django_and_business_metrics(client, metrics_token):
    client.get("/api/menu/version/")
    text = scrape(client)
    assert sample(text, "django_http_requests_total_by_method_total", method="GET") >= 1
    assert "django_http_responses_total_by_status_total" in text
    assert "django_http_requests_latency_seconds_by_view_method" in text
    for name in (
        "restaurant_backend_orders_placed_total",
        "restaurant_backend_order_status_changes_total",
        "restaurant_backend_payments_total",
        "restaurant_backend_api_errors_total",
    ):
        assert f"# TYPE {name} counter" in text, name
    # every known series is there from the start (at 0 until something happens)
    assert 'restaurant_backend_orders_placed_total{fulfilment="delivery"}' in text
    assert 'restaurant_backend_payments_total{method="pay_at_counter",outcome="failed"}' in text
    assert 'restaurant_backend_order_status_changes_total{status="out_for_delivery"}' in text


# --- business metrics ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_placing_an_order_counts_exactly_one(
    client, api, demo, metrics_token, django_capture_on_commit_callbacks
):
    before = scrape(client)
    cart = new_cart(api, (demo["margherita-pizza"], 1, []))
    with django_capture_on_commit_callbacks(execute=True):
        assert place(api, cart["id"]).status_code == 201
    after = scrape(client)
    delta = lambda name, **labels: sample(after, name, **labels) - sample(before, name, **labels)  # noqa: E731
    assert delta("restaurant_backend_orders_placed_total", fulfilment="pickup") == 1
    assert delta("restaurant_backend_orders_placed_total", fulfilment="delivery") == 0
    assert delta("restaurant_backend_order_status_changes_total", status="placed") == 1


@pytest.mark.django_db
def test_an_order_that_is_never_committed_is_not_counted(client, api, demo, metrics_token):
    # Without the on_commit callbacks running (the test's transaction is never committed) nothing counts.
    before = sample(scrape(client), "restaurant_backend_orders_placed_total", fulfilment="pickup")
    assert place(api, new_cart(api, (demo["margherita-pizza"], 1, []))["id"]).status_code == 201
    assert sample(scrape(client), "restaurant_backend_orders_placed_total", fulfilment="pickup") == before


@pytest.mark.django_db
def test_status_changes_payments_and_api_errors_are_counted(
    client, api, public, demo, metrics_token, django_capture_on_commit_callbacks
):
    before = scrape(client)
    with django_capture_on_commit_callbacks(execute=True):
        paid = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], key="paid").json()
        payment = Payment.objects.get(order_id=paid["id"])
        body, headers = SandboxProvider().build_callback(payment.intent_id, "succeeded")
        extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "content-type"}
        assert (
            public.post(
                "/api/payments/webhook/sandbox/", body, content_type="application/json", **extra
            ).status_code
            == 200
        )
        cancelled = place(api, new_cart(api, (demo["diavola-pizza"], 1, []))["id"], key="cancelled").json()
        assert api.post(f"/api/orders/{cancelled['id']}/cancel/").status_code == 200
        assert api.get("/api/carts/999999/").status_code == 404  # cart_not_found
    after = scrape(client)
    delta = lambda name, **labels: sample(after, name, **labels) - sample(before, name, **labels)  # noqa: E731
    assert delta("restaurant_backend_payments_total", method="card_online", outcome="succeeded") == 1
    assert delta("restaurant_backend_payments_total", method="card_online", outcome="cancelled") == 1
    assert delta("restaurant_backend_order_status_changes_total", status="placed") == 2
    assert delta("restaurant_backend_order_status_changes_total", status="cancelled") == 1
    assert delta("restaurant_backend_api_errors_total", code="cart_not_found") == 1


def test_error_codes_that_are_not_plain_identifiers_are_folded_into_other():
    from apps.common import metrics

    before = metrics.API_ERRORS.labels(code="other")._value.get()
    metrics.api_error("Something <free> text 42")
    metrics.api_error("")
    assert metrics.API_ERRORS.labels(code="other")._value.get() == before + 2


# --- multiprocess mode (gunicorn workers) -----------------------------------------------------------------

WORKER = """
import sys
from apps.common import metrics
for _ in range(int(sys.argv[1])):
    metrics.ORDERS_PLACED.labels(fulfilment="delivery").inc()
metrics.API_ERRORS.labels(code="out_of_stock").inc()
"""


def test_the_view_adds_up_the_files_of_all_worker_processes(client, metrics_token, tmp_path, monkeypatch):
    env = dict(os.environ, PROMETHEUS_MULTIPROC_DIR=str(tmp_path))
    workers = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(n)], cwd=BACKEND_DIR, env=env) for n in (2, 3)
    ]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    assert len(list(tmp_path.glob("counter_*.db"))) == 2

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    text = scrape(client)
    assert sample(text, "restaurant_backend_orders_placed_total", fulfilment="delivery") == 5
    assert sample(text, "restaurant_backend_api_errors_total", code="out_of_stock") == 2


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_with_two_workers_serves_the_sum(tmp_path):
    """backend/gunicorn.conf.py: the directory is created and emptied at start, the workers share it."""
    metrics_dir = tmp_path / "data" / "prometheus"
    metrics_dir.mkdir(parents=True)
    (metrics_dir / "counter_1.db").write_bytes(b"left over from an earlier run")
    port = free_port()
    env = dict(
        os.environ,
        DATA_DIR=str(tmp_path / "data"),
        METRICS_TOKEN=METRICS_TOKEN,
        DJANGO_SETTINGS_MODULE="restaurant_backend.settings",
        SQLITE_PATH=str(tmp_path / "db.sqlite3"),
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    env.pop("SENTRY_DSN", None)
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [
            str(gunicorn),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "restaurant_backend.wsgi",
        ],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url, headers=auth, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, process.stderr.read().decode()[
                -2000:
            ]
            time.sleep(0.2)
        # both workers have loaded the app (django-prometheus creates its counters at import)
        deadline = time.monotonic() + 30
        while len({p.name.rsplit("_", 1)[1] for p in metrics_dir.glob("counter_*.db")}) < 2:
            assert time.monotonic() < deadline, sorted(p.name for p in metrics_dir.iterdir())
            time.sleep(0.2)
        assert not (metrics_dir / "counter_1.db").exists()
        assert httpx.get(url, timeout=5).status_code == 401

        def count(text: str) -> float:
            return sample(
                text,
                "django_http_requests_total_by_view_transport_method_total",
                view="metrics",
                transport="http",
                method="GET",
            )

        first = count(httpx.get(url, headers=auth, timeout=5).text)
        with httpx.Client(headers=auth, timeout=5) as session:  # new connections: either worker may answer
            for _ in range(8):
                httpx.get(url, headers=auth, timeout=5)
            last = count(session.get(url).text)
        assert last - first == 9
    finally:
        process.terminate()
        process.wait(timeout=30)


# --- Sentry -----------------------------------------------------------------------------------------------

# joined, so that the source lines Sentry sends around a failing frame do not hold them either
SENTRY_GUEST = {
    "username": "-".join(["sentry", "check", "guest"]),
    "email": "@".join(["sentry.guest", "example.com"]),
}
SENTRY_FORM = {"name": " ".join(["Anna", "Sentrycheck"]), "phone": " ".join(["+44", "7700", "900461"])}


def _failing_view(request: Any) -> Any:
    guest_phone = request.POST["phone"]  # a local in the failing frame, which must not be sent
    raise RuntimeError(f"kitchen printer exploded after {len(guest_phone)} characters")


urlpatterns = [path("sentry-check/", _failing_view)]  # this module is the URLconf of the test below


@pytest.mark.django_db
def test_sentry_gets_a_view_s_error_without_personal_data(settings, receiver):
    """The real SDK, started by init_error_reporting, sends a failing request's error to a local Sentry
    ingest (`receiver`, the DSN's host: Sentry's envelopes over HTTP): the error is there, the guest is not."""
    import gzip

    import sentry_sdk
    from django.contrib.auth.models import User
    from django.test import Client

    from restaurant_backend.error_reporting import init_error_reporting

    assert init_error_reporting("") is False
    assert not sentry_sdk.get_client().is_active()
    settings.ROOT_URLCONF = __name__
    try:
        dsn = receiver.base.replace("http://", "http://public@") + "/1"
        assert init_error_reporting(dsn, environment="production") is True
        browser = Client(raise_request_exception=False)
        browser.force_login(User.objects.create_user(password="x-sentry-check-1", **SENTRY_GUEST))
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        assert browser.post("/sentry-check/", SENTRY_FORM).status_code == 500
        sentry_sdk.flush(timeout=5)
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)  # later tests see no Sentry, as without a DSN
    sent = [request["body"] for request in receiver.requests]
    body = b"".join(gzip.decompress(part) if part[:2] == b"\x1f\x8b" else part for part in sent)
    assert f"kitchen printer exploded after {len(SENTRY_FORM['phone'])} characters".encode() in body
    assert b'"environment":"production"' in body
    for personal in [*SENTRY_GUEST.values(), *SENTRY_FORM.values(), session]:
        assert personal.encode() not in body, personal


def test_settings_read_sentry_from_the_environment(settings):
    if os.environ.get("SENTRY_DSN"):
        pytest.skip("SENTRY_DSN is set in this shell")
    import sentry_sdk

    assert settings.SENTRY_DSN == "" and settings.SENTRY_TRACES_SAMPLE_RATE == 0
    assert not sentry_sdk.get_client().is_active()
