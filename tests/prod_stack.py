"""The end-to-end suite's stack in the production-like topology, started by the project's own script.

scripts/prod.sh runs PostgreSQL, Redis, nginx, the backend under gunicorn, the action server and two
Rasa servers under supervisord. `ProdStack` is a `Stack` whose processes are those: the suite's tests
run unchanged (E2E_TOPOLOGY=prod), talking to nginx, which spreads REST turns across the Rasa servers.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.stack import RASA_AUTH_TOKEN, ROOT, Stack, copy_model, free_port, latest_model

PROD_SCRIPT = ROOT / "scripts" / "prod.sh"
RASA_SERVERS = 2


def accessible_workdir() -> Path:
    """A folder PostgreSQL's own user can enter (pytest's temporary folders are private to root)."""
    workdir = Path(tempfile.mkdtemp(prefix="restaurant-prod-"))
    workdir.chmod(0o755)
    return workdir


@dataclass
class ProdStack(Stack):
    workdir: Path = field(default_factory=accessible_workdir)
    web_port: int = field(default_factory=free_port)
    rasa_first_port: int = field(default_factory=lambda: free_port_run(RASA_SERVERS))
    pg_port: int = field(default_factory=free_port)
    redis_port: int = field(default_factory=free_port)
    _derived: dict[str, str] | None = None

    # rasa_port (Stack's) is nginx's chat port: what guests and tests talk to

    @property
    def chat_origins(self) -> list[str]:
        """The sites that open the chat: the backend behind nginx, and gunicorn's own port, which the
        suite's browser and socket.io tests use as the website."""
        return [f"http://127.0.0.1:{self.web_port}", f"http://localhost:{self.web_port}", self.backend_url]

    @property
    def public_backend_url(self) -> str:
        """nginx's site port (BACKEND_PUBLIC_URL in scripts/prod.sh)."""
        return f"http://127.0.0.1:{self.web_port}"

    def rasa_server_url(self, number: int) -> str:
        """One Rasa server directly, not through nginx."""
        return f"http://127.0.0.1:{self.rasa_first_port + number}"

    def settings(self) -> dict[str, str]:
        return {
            "PROD_DIR": str(self.workdir),
            "PROD_WEB_PORT": str(self.web_port),
            "PROD_CHAT_PORT": str(self.rasa_port),
            "PROD_BACKEND_PORT": str(self.backend_port),
            "PROD_ACTIONS_PORT": str(self.actions_port),
            "PROD_RASA_FIRST_PORT": str(self.rasa_first_port),
            "PROD_RASA_SERVERS": str(RASA_SERVERS),
            "PROD_PG_PORT": str(self.pg_port),
            "PROD_REDIS_PORT": str(self.redis_port),
            "PROD_MODEL": str(self.workdir / "models"),
            "PROD_CHAT_ALLOWED_ORIGINS": ",".join(self.chat_origins),
        }

    def env(self) -> dict[str, str]:
        env = {**super().env(), **self.settings()}
        if self._derived is None:  # what the script gives the services: one source for the wiring
            printed = subprocess.run(
                ["bash", str(PROD_SCRIPT), "env"], env=env, check=True, capture_output=True, text=True
            ).stdout
            self._derived = dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)
        return {**env, **self._derived, **self.extra_env}

    def script(self, *args: str) -> str:
        done = subprocess.run(
            ["bash", str(PROD_SCRIPT), *args], env=self.env(), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"prod.sh {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
            )
        return done.stdout

    def ctl(self, *args: str) -> str:
        """supervisorctl, as `scripts/prod.sh ctl`; a program's non-zero status is not an error here."""
        done = subprocess.run(
            ["bash", str(PROD_SCRIPT), "ctl", *args], env=self.env(), capture_output=True, text=True
        )
        return done.stdout

    def pid(self, program: str) -> int:
        return int(self.ctl("pid", program).strip() or 0)

    def service_pids(self) -> dict[str, int]:
        """Every supervised program's main process (e.g. {"rasa:rasa-0": 1234, "backend": 1240, ...})."""
        pids = {}
        for line in self.ctl("status").splitlines():
            words = line.split()
            if len(words) >= 4 and words[1] == "RUNNING" and words[2] == "pid":
                pids[words[0]] = int(words[3].rstrip(","))
        return pids

    def _start_program(self, program: str, ready_urls: list[str], timeout: float) -> None:
        self.ctl("start", program)
        deadline = time.monotonic() + timeout
        for url in ready_urls:
            if not wait_until_answers(url, deadline - time.monotonic()):
                logs = "\n".join(
                    path.read_text(errors="replace")[-2000:]
                    for path in sorted((self.workdir / "logs").glob("*.log"))
                )
                raise RuntimeError(f"{program} did not come up at {url}\n{logs}")

    def prepare_backend(self) -> None:
        self.script("infra")  # PostgreSQL and Redis first: migrate and load_demo write to PostgreSQL
        super().prepare_backend()

    def start_backend(self) -> None:
        self._start_program("backend", [f"{self.backend_url}/api/menu/version/"], 60)

    def start_actions(self) -> None:
        self._start_program("actions", [f"{self.actions_url}/health"], 90)

    def start_rasa(self, model: Path) -> None:
        if model.parent != self.workdir / "models":
            copy_model(model, self.workdir)
        self.script("configure")
        status = [f"{self.rasa_server_url(n)}/status?token={RASA_AUTH_TOKEN}" for n in range(RASA_SERVERS)]
        self._start_program("rasa:*", status, 300)
        self._start_program("nginx", [f"{self.rasa_url}/status?token={RASA_AUTH_TOKEN}"], 30)

    def stop(self, name: str) -> None:
        self.ctl("stop", "rasa:*" if name == "rasa" else name)

    def stop_all(self) -> None:
        subprocess.run(["bash", str(PROD_SCRIPT), "stop"], env=self.env(), capture_output=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


@contextmanager
def prod_benchmark_stack(model: Path | None = None, **extra_env: str) -> Iterator[ProdStack]:
    """The production-like topology as the benchmarks run it: the newest model unless told, without
    the tests' double check of every prediction (see tests.stack.benchmark_stack)."""
    model = model or latest_model()
    if model is None:
        sys.exit("no model: run `make train`")
    stack = ProdStack(extra_env={"TRACKER_STATES_SELF_CHECK": "0", **extra_env})
    try:
        stack.prepare_backend()
        stack.start_backend()
        stack.start_actions()
        stack.start_rasa(model)
        yield stack
    finally:
        stack.stop_all()


def wait_until_answers(
    url: str, timeout: float, accept: Callable[[int], bool] = lambda status: status < 500
) -> bool:
    """Poll `url` until its status is one `accept`s (by default: anything but a server error);
    False when `timeout` seconds pass first."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if accept(httpx.get(url, timeout=2).status_code):
                return True
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            return False
        time.sleep(0.3)


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (the Rasa servers take PROD_RASA_FIRST_PORT + n)."""
    for _ in range(50):
        first = free_port()
        if all(_port_free(first + n) for n in range(1, count)):
            return first
    raise RuntimeError("no run of free ports")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def e2e_topology() -> str:
    """`dev` (default: processes started by the tests) or `prod` (scripts/prod.sh)."""
    return os.environ.get("E2E_TOPOLOGY", "dev").strip() or "dev"
