"""Starts the real stack for end-to-end tests: Django backend, action server and Rasa server.

Each service runs as its own process on a free loopback port, with its own throwaway databases,
exactly as `make serve` runs them. Nothing is mocked.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx

from tracker_store import self_check

ROOT = Path(__file__).resolve().parent.parent
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
SERVICE_TOKEN = "e2e-service-token"
WEBHOOK_SECRET = "whsec_ZTJlLXdlYmhvb2stc2VjcmV0"
CHAT_JWT_SECRET = "e2e-chat-jwt-secret-0123456789abcdef"
CHAT_SESSION_SECRET = (
    "e2e-chat-session-secret-0123456789"  # signs the conversation ids Rasa's channels accept
)
RASA_AUTH_TOKEN = "e2e-rasa-auth-token"
ACTION_SERVER_TOKEN = "e2e-action-server-token"  # Rasa → action server /webhook (endpoints.yml)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, name: str, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early; log:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{name} not up at {url} after {timeout}s; log:\n{log.read_text()[-4000:]}")


def terminate(process: subprocess.Popen, timeout: float = 20) -> None:
    """Stop a service as Ctrl-C would, and kill it if it does not go."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Stack:
    workdir: Path
    backend_port: int = field(default_factory=free_port)
    actions_port: int = field(default_factory=free_port)
    rasa_port: int = field(default_factory=free_port)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    extra_env: dict[str, str] = field(default_factory=dict)  # e.g. GROQ_BASE_URL of a fake Groq

    @property
    def backend_url(self) -> str:
        return f"http://127.0.0.1:{self.backend_port}"

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def public_backend_url(self) -> str:
        """The backend's address as browsers see it (BACKEND_PUBLIC_URL)."""
        return self.backend_url

    @property
    def chat_origins(self) -> list[str]:
        """Sites allowed to open the chat: the backend's own pages."""
        return [self.backend_url, f"http://localhost:{self.backend_port}"]

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            SQLITE_PATH=str(self.workdir / "backend.sqlite3"),
            DATA_DIR=str(self.workdir),  # backend/gunicorn.conf.py: metrics files in $DATA_DIR/prometheus
            BACKEND_URL=self.backend_url,
            BACKEND_SERVICE_TOKEN=SERVICE_TOKEN,
            ACTION_ENDPOINT_URL=f"{self.actions_url}/webhook",
            ACTION_SERVER_TOKEN=ACTION_SERVER_TOKEN,
            TRACKER_DB=str(self.workdir / "tracker.db"),
            TRACKER_DATABASE_URL=f"sqlite:///{self.workdir / 'tracker.db'}",  # what the review tool reads
            RASA_TELEMETRY_ENABLED="false",
            PYTHONUNBUFFERED="1",
            TF_CPP_MIN_LOG_LEVEL="2",
            SANIC_HOST="127.0.0.1",
            ACTIONS_PORT=str(self.actions_port),
            QDRANT_PATH=str(self.workdir / "qdrant"),
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            WEBHOOK_URLS=f"{self.actions_url}/webhooks/menu-updated",
            HF_HUB_OFFLINE="1",
            CHAT_ALLOWED_ORIGINS=",".join(self.chat_origins),
            # what the backend's chat page tells the browser: Rasa's socket.io and the answer stream
            LLM_SPEND_FILE=str(self.workdir / "llm_spend.json"),
            CHAT_SOCKET_URL=self.rasa_url,
            # accounts: chat tokens signed by the backend, verified by Rasa's channels; the backend
            # pushes order updates through Rasa's token-protected trigger_intent
            CHAT_JWT_SECRET=CHAT_JWT_SECRET,
            CHAT_SESSION_SECRET=CHAT_SESSION_SECRET,
            RASA_AUTH_TOKEN=RASA_AUTH_TOKEN,
            RASA_URL=self.rasa_url,
            CHAT_STREAM_URL=self.actions_url,
            # every e2e test talks from 127.0.0.1: the per-IP chat rate limit (default 120/minute)
            # would refuse a fast suite; the per-conversation limit keeps its default (30/minute)
            CHAT_RATE_LIMIT_PER_IP="100000/minute",
            CHAT_POLL_RATE_LIMIT_PER_IP="100000/minute",  # the same for the REST guests' polls
            # every prediction also computes the dialogue states the ordinary way and fails on a
            # difference (tracker_store/states.py)
            TRACKER_STATES_SELF_CHECK="1",
        )
        env.pop("DATABASE_URL", None)
        env.update(self.extra_env)
        return env

    def _start(
        self,
        name: str,
        command: list[str],
        cwd: Path,
        ready_url: str,
        timeout: float,
        env: dict[str, str] | None = None,
    ) -> None:
        log = self.workdir / f"{name}.log"
        handle = log.open("ab")
        process = subprocess.Popen(
            command, cwd=cwd, env={**self.env(), **(env or {})}, stdout=handle, stderr=subprocess.STDOUT
        )
        self.processes[name] = process
        wait_until_up(ready_url, process, name, timeout, log)

    def prepare_backend(self) -> None:
        # No webhooks while loading: the action server is not up yet and syncs by version at start.
        env = dict(self.env(), WEBHOOK_URLS="")
        for args in (["migrate", "-v0"], ["load_demo"]):
            subprocess.run(
                [str(APP_PYTHON), "manage.py", *args],
                cwd=ROOT / "backend",
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        self.open_the_kitchen_now()

    def open_the_kitchen_now(self) -> None:
        """Put the demo restaurant in a time zone where its kitchen is open for the next hours.

        Checkout refuses "asap" and times when the kitchen is closed, so a suite run on a Sunday
        night must not depend on the clock: the demo's real hours stay, only its zone moves.
        """
        code = (
            "import json; from apps.restaurant.models import Restaurant, get_restaurant; r = get_restaurant(); "
            "print(json.dumps(r.opening_hours))"
        )
        hours = json.loads(self.orm(code).strip().splitlines()[-1])
        zone = zone_where_open(hours, datetime.now(timezone.utc))
        self.orm(
            "from apps.restaurant.models import Restaurant, get_restaurant; r = get_restaurant(); "
            f"Restaurant.objects.filter(pk=r.pk).update(timezone={zone!r})"
        )

    def start_backend(self) -> None:
        self._start(
            "backend",
            [
                str(APP_PYTHON),
                "manage.py",
                "runserver",
                f"127.0.0.1:{self.backend_port}",
                "--noreload",
                "--nothreading",
            ]
            if os.environ.get("E2E_SINGLE_THREADED")
            else [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{self.backend_port}",
                "--workers",
                "2",
                "restaurant_backend.wsgi",
            ],
            ROOT / "backend",
            f"{self.backend_url}/api/menu/version/",
            60,
        )

    def start_actions(self) -> None:
        self._start(
            "actions", [str(APP_PYTHON), "-m", "actions.server"], ROOT, f"{self.actions_url}/health", 60
        )

    def start_rasa(self, model: Path) -> None:
        self._start(
            "rasa",
            [
                str(RASA),
                "run",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.rasa_port),
                "--model",
                str(model),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
                "--enable-api",
                "--logging-config-file",
                "deploy/logging/rasa.yml",
                "--auth-token",
                RASA_AUTH_TOKEN,
                "--cors",
                *self.chat_origins,
            ],
            ROOT,
            f"{self.rasa_url}/status?token={RASA_AUTH_TOKEN}",
            240,
            # as the Procfile does: request bodies capped for the Rasa server only (the action
            # server's requests carry whole conversations)
            env={"SANIC_REQUEST_MAX_SIZE": self.env().get("RASA_REQUEST_MAX_BYTES") or "262144"},
        )

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process:
            terminate(process)

    def stop_all(self) -> None:
        for name in list(self.processes)[::-1]:
            self.stop(name)

    # -- talking to it -------------------------------------------------------------------

    def say(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Send one guest message through the REST channel; the bot's messages come back."""
        body: dict[str, Any] = {"sender": sender, "message": text}
        if metadata is not None:
            body["metadata"] = metadata
        response = httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
        response.raise_for_status()
        return response.json()

    @property
    def action_headers(self) -> dict[str, str]:
        """What Rasa sends with an action call to the action server's /webhook."""
        return {"Authorization": f"Bearer {ACTION_SERVER_TOKEN}"}

    def backend(self) -> httpx.Client:
        return httpx.Client(
            base_url=self.backend_url, headers={"Authorization": f"Token {SERVICE_TOKEN}"}, timeout=10
        )

    def orm(self, code: str) -> str:
        """Run Django ORM code in the backend's database (as staff would in the admin)."""
        done = subprocess.run(
            [str(APP_PYTHON), "manage.py", "shell", "--no-imports", "-c", code],
            cwd=ROOT / "backend",
            env=self.env(),
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def rasa_api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Rasa's HTTP API (trackers, parse, trigger_intent), which needs the auth token."""
        params = {**kwargs.pop("params", {}), "token": RASA_AUTH_TOKEN}
        return httpx.request(
            method, f"{self.rasa_url}{path}", params=params, timeout=kwargs.pop("timeout", 10), **kwargs
        )

    def tracker(self, sender: str) -> dict[str, Any]:
        return self.rasa_api("GET", f"/conversations/{sender}/tracker").json()

    def slots(self, sender: str) -> dict[str, Any]:
        return self.tracker(sender)["slots"]

    def tracker_rows(self, sender: str) -> list[str]:
        """The tracker store's rows of this conversation as stored (the backend's `tracker` database)."""
        code = (
            "import json; from django.db import connections; c = connections['tracker'].cursor(); "
            f"c.execute('SELECT data FROM events WHERE sender_id = %s ORDER BY id', [{sender!r}]); "
            "print(json.dumps([row[0] for row in c.fetchall()]))"
        )
        return json.loads(self.orm(code).strip().splitlines()[-1])

    def user_texts(self, sender: str) -> list[str]:
        """What the tracker store kept of this guest's messages (Rasa's HTTP API)."""
        events = self.tracker(sender).get("events") or []
        return [event.get("text") or "" for event in events if event.get("event") == "user"]


@contextmanager
def benchmark_stack(model: Path | None = None, **extra_env: str) -> Iterator[Stack]:
    """The whole stack on free ports in a temporary folder, as the benchmarks run it: the newest
    model unless told, and without the tests' double check of every prediction."""
    model = model or latest_model()
    if model is None:
        sys.exit("no model: run `make train`")
    with tempfile.TemporaryDirectory() as tmp:
        stack = Stack(workdir=Path(tmp), extra_env={"TRACKER_STATES_SELF_CHECK": "0", **extra_env})
        try:
            stack.prepare_backend()
            stack.start_backend()
            stack.start_actions()
            stack.start_rasa(copy_model(model, Path(tmp)))
            yield stack
        finally:
            stack.stop_all()


def assert_no_self_check_failed(workdir: Path) -> None:
    """Fail when a Rasa server of the stack logged a self-check failure (tracker_store/self_check.py):
    Rasa swallows some of them (a failed tracker copy only loses an action's events)."""
    failures = [
        line
        for log in sorted(workdir.glob("rasa*.log"))
        for line in log.read_text(errors="replace").splitlines()
        if self_check.FAILED in line
    ]
    assert not failures, "\n".join(failures[:5])


def latest_model() -> Path | None:
    models = sorted((ROOT / "models").glob("*.tar.gz"), key=lambda path: path.stat().st_mtime)
    return models[-1] if models else None


def chat_token(customer: str, *, ttl_seconds: int = 300, secret: str = CHAT_JWT_SECRET) -> str:
    """A chat token as the backend's chat page hands a logged-in guest (HS256, sub = customer id)."""
    import jwt

    now = int(time.time())
    return jwt.encode(
        {"sub": customer, "iat": now, "exp": now + ttl_seconds, "iss": "restaurant-backend"},
        secret,
        algorithm="HS256",
    )


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def zone_where_open(hours: dict[str, list[list[str]]], now: datetime, margin_hours: int = 3) -> str:
    """An Etc/GMT zone in which the kitchen is open now and for `margin_hours` more (closest to 14:00)."""
    candidates = []
    for offset in range(-12, 15):
        local = now + timedelta(hours=offset)
        minutes = local.hour * 60 + local.minute
        for opens, closes in hours.get(WEEKDAYS[local.weekday()], []):
            start, end = (int(part[:2]) * 60 + int(part[3:]) for part in (opens, closes))
            end = end if end > start else end + 24 * 60  # past midnight
            if start <= minutes and minutes + margin_hours * 60 <= end:
                candidates.append((abs(minutes - 14 * 60), offset))
    if not candidates:
        raise RuntimeError(f"the demo restaurant is open nowhere for {margin_hours} hours now: {hours}")
    offset = min(candidates)[1]
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"  # POSIX signs: Etc/GMT-5 is UTC+5


def new_sender() -> str:
    """A conversation id the stack's Rasa accepts: signed with its key, as POST /webhooks/rest/session would."""
    from channels.sessions import SessionIds

    return SessionIds([CHAT_SESSION_SECRET]).issue()


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(message.get("text", "") for message in messages)


def copy_model(model: Path, workdir: Path) -> Path:
    target = workdir / "models"
    target.mkdir(exist_ok=True)
    shutil.copy(model, target / model.name)
    return target / model.name


if __name__ == "__main__":  # pragma: no cover - manual use: python tests/stack.py
    sys.exit("import this module from tests")
