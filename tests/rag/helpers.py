"""Shared by the retrieval tests and bench/retrieval.py: a throwaway real backend with the demo data."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.stack import APP_PYTHON, ROOT, free_port, terminate, wait_until_up

SERVICE_TOKEN = "rag-test-service-token"
WEBHOOK_SECRET = "whsec_" + "cmFnLXRlc3Qtd2ViaG9vay1zZWNyZXQ="  # base64 of "rag-test-webhook-secret"


@dataclass
class Backend:
    url: str
    env: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(
            f"{self.url}{path}",
            params=params,
            timeout=10,
            headers={"Authorization": f"Token {SERVICE_TOKEN}"},
        )
        response.raise_for_status()
        return response.json()

    def items(self) -> list[dict[str, Any]]:
        return self.get("/api/menu/items/", page_size=200)["results"]

    def item_by_slug(self, slug: str) -> dict[str, Any]:
        return next(item for item in self.items() if item["slug"] == slug)

    def orm(self, code: str) -> str:
        """Run Django ORM code against the backend's database (there is no menu write endpoint)."""
        done = subprocess.run(
            [str(APP_PYTHON), "manage.py", "shell", "-c", code],
            cwd=ROOT / "backend",
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    def update_item(self, slug: str, **fields: Any) -> None:
        self.orm(
            "from apps.menu.models import MenuItem\n"
            f"item = MenuItem.objects.get(slug={slug!r})\n"
            f"for k, v in {fields!r}.items(): setattr(item, k, v)\n"
            "item.save()"
        )


@contextmanager
def running_backend(workdir: Path) -> Iterator[Backend]:
    """A real backend with the demo restaurant in a throwaway SQLite file under workdir."""
    port = free_port()
    env = dict(
        os.environ,
        SQLITE_PATH=str(workdir / "backend.sqlite3"),
        PYTHONUNBUFFERED="1",
        WEBHOOK_URLS="",
        BACKEND_SERVICE_TOKEN=SERVICE_TOKEN,
    )
    env.pop("DATABASE_URL", None)
    for args in (["migrate", "-v0"], ["load_demo"]):
        subprocess.run(
            [str(APP_PYTHON), "manage.py", *args],
            cwd=ROOT / "backend",
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    log = workdir / "backend.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [str(APP_PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT / "backend",
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/api/menu/version/", process, "backend", 60, log)
        yield Backend(url=url, env=env)
    finally:
        terminate(process)


def rag_env(backend: Backend, qdrant_path: Path) -> dict[str, str]:
    env = dict(
        os.environ,
        BACKEND_URL=backend.url,
        BACKEND_SERVICE_TOKEN=SERVICE_TOKEN,
        QDRANT_PATH=str(qdrant_path),
        HF_HUB_OFFLINE="1",
    )
    env.pop("QDRANT_URL", None)
    return env
