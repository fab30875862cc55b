"""Fixtures for the retrieval tests: a real backend with the demo restaurant (temp SQLite), the real
MiniLM model and a real embedded Qdrant in a temp folder. Built once per session; nothing mocked."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.stack import APP_PYTHON, ROOT, free_port, wait_until_up

SERVICE_TOKEN = "rag-test-service-token"
WEBHOOK_SECRET = "whsec_" + "cmFnLXRlc3Qtd2ViaG9vay1zZWNyZXQ="  # base64 of "rag-test-webhook-secret"


@dataclass
class Backend:
    url: str
    env: dict[str, str]

    def get(self, path: str, **params: Any) -> Any:
        response = httpx.get(f"{self.url}{path}", params=params, timeout=10,
                             headers={"Authorization": f"Token {SERVICE_TOKEN}"})
        response.raise_for_status()
        return response.json()

    def items(self) -> list[dict[str, Any]]:
        return self.get("/api/menu/items/", page_size=200)["results"]

    def item_by_slug(self, slug: str) -> dict[str, Any]:
        return next(item for item in self.items() if item["slug"] == slug)

    def orm(self, code: str) -> str:
        """Run Django ORM code against the backend's database (there is no menu write endpoint)."""
        done = subprocess.run([str(APP_PYTHON), "manage.py", "shell", "-c", code], cwd=ROOT / "backend",
                              env=self.env, check=True, capture_output=True, text=True)
        return done.stdout

    def update_item(self, slug: str, **fields: Any) -> None:
        self.orm("from apps.menu.models import MenuItem\n"
                 f"item = MenuItem.objects.get(slug={slug!r})\n"
                 f"for k, v in {json.dumps(fields)}.items(): setattr(item, k, v)\n"
                 "item.save()")


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    workdir = tmp_path_factory.mktemp("rag-backend")
    port = free_port()
    env = dict(os.environ, SQLITE_PATH=str(workdir / "backend.sqlite3"), PYTHONUNBUFFERED="1",
               WEBHOOK_URLS="", BACKEND_SERVICE_TOKEN=SERVICE_TOKEN)
    env.pop("DATABASE_URL", None)
    for args in (["migrate", "-v0"], ["load_demo"]):
        subprocess.run([str(APP_PYTHON), "manage.py", *args], cwd=ROOT / "backend", env=env, check=True,
                       stdout=subprocess.DEVNULL)
    log = workdir / "backend.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [str(APP_PYTHON), "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=ROOT / "backend", env=env, stdout=handle, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/api/menu/version/", process, "backend", 60, log)
        yield Backend(url=url, env=env)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def rag_env(backend: Backend, qdrant_path: Path) -> dict[str, str]:
    env = dict(os.environ, BACKEND_URL=backend.url, BACKEND_SERVICE_TOKEN=SERVICE_TOKEN,
               QDRANT_PATH=str(qdrant_path), HF_HUB_OFFLINE="1",
               PYTHONPATH=str(ROOT))
    env.pop("QDRANT_URL", None)
    return env


@dataclass
class CliBuild:
    path: Path
    seconds: float
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def cli_build(backend: Backend, tmp_path_factory: pytest.TempPathFactory) -> CliBuild:
    """`python -m rag rebuild` run as a process, as an operator would."""
    path = tmp_path_factory.mktemp("qdrant-cli")
    started = time.perf_counter()
    done = subprocess.run([str(APP_PYTHON), "-m", "rag", "rebuild"], cwd=ROOT, env=rag_env(backend, path),
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return CliBuild(path, time.perf_counter() - started, done.stdout, done.stderr)


@pytest.fixture(scope="session")
def rag_config(backend: Backend, cli_build: CliBuild, tmp_path_factory: pytest.TempPathFactory):
    """The in-process tests work on a copy of the CLI-built index (embedded Qdrant: one process per folder)."""
    from rag.config import RagConfig

    path = tmp_path_factory.mktemp("qdrant") / "store"
    shutil.copytree(cli_build.path, path)
    return RagConfig(backend_url=backend.url, backend_token=SERVICE_TOKEN, qdrant_path=str(path))


@pytest.fixture(scope="session")
def indexer(rag_config):
    from rag.embedder import shared_embedder
    from rag.sync import Indexer

    indexer = Indexer.from_config(rag_config, embedder=shared_embedder(rag_config.model_path))
    yield indexer
    indexer.index.close()
    indexer.source.close()


@pytest.fixture(scope="session")
def retriever(indexer, rag_config):
    from rag.retriever import Retriever

    return Retriever(rag_config, embedder=indexer.embedder, index=indexer.index)
