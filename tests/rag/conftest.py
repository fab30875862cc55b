"""Fixtures for the retrieval tests: a real backend with the demo restaurant (temp SQLite), the real
MiniLM model and a real embedded Qdrant in a temp folder. Built once per session; nothing mocked."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.rag.helpers import SERVICE_TOKEN, Backend, rag_env, running_backend
from tests.stack import APP_PYTHON, ROOT


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    with running_backend(tmp_path_factory.mktemp("rag-backend")) as started:
        yield started


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
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "rag", "rebuild"],
        cwd=ROOT,
        env=rag_env(backend, path),
        capture_output=True,
        text=True,
        timeout=180,
    )
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
    """Configured as shipped (RagConfig's defaults: hybrid search on)."""
    from rag.retriever import Retriever

    return Retriever(rag_config, embedder=indexer.embedder, index=indexer.index)


@pytest.fixture(scope="session", params=["dense", "hybrid"])
def any_retriever(request, indexer, rag_config):
    """Both search modes, for the rules that must hold in each (hard filters)."""
    from rag.retriever import Retriever

    return Retriever(
        rag_config, embedder=indexer.embedder, index=indexer.index, hybrid=request.param == "hybrid"
    )
