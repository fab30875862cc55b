"""Fixtures: the live stack (backend, action server, Rasa) for end-to-end tests, and a Redis server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes import host_brain
from tests.fakes.groq_server import FakeGroq
from tests.fakes.pos_server import FakePos
from tests.prod_stack import ProdStack, e2e_topology
from tests.stack import Stack, assert_no_self_check_failed, copy_model, free_port, latest_model


@pytest.fixture(scope="session")
def fake_groq() -> Iterator[FakeGroq]:
    """Groq's chat-completions wire format on a local port: the action server's real groq SDK talks to it."""
    with FakeGroq() as fake:
        fake.responder = host_brain.respond
        yield fake


@pytest.fixture(scope="session")
def fake_pos() -> Iterator[FakePos]:
    """An external POS the backend's HTTP adapter sends confirmed orders to (besides the kitchen page)."""
    with FakePos() as fake:
        yield fake


POS_SECRET = "whsec_" + "ZTJlLXBvcy1zaWduaW5nLXNlY3JldA=="  # base64 of "e2e-pos-signing-secret"

# Short limits so failure tests run quickly; the breaker closes again 2 s after it opens.
LLM_TEST_ENV = {
    "GROQ_API_KEY": "test-key",
    "LLM_TIMEOUT_SECONDS": "2",
    "LLM_BREAKER_FAILURES": "3",
    "LLM_BREAKER_RESET_SECONDS": "2",
    "LLM_MAX_RETRIES": "1",
    "LLM_MAX_RETRY_WAIT_SECONDS": "1",
    "LLM_REQUESTS_PER_MINUTE": "1000",
    "LLM_TOKENS_PER_MINUTE": "1000000",
}


@pytest.fixture(scope="session")
def stack(
    tmp_path_factory: pytest.TempPathFactory, fake_groq: FakeGroq, fake_pos: FakePos
) -> Iterator[Stack]:
    model = latest_model()
    if model is None:
        pytest.fail("No trained Rasa model in models/: run `make train` (make test does it for you).")
    pos_env = {
        "POS_ADAPTERS": "kitchen_display,http",
        "POS_URL": fake_pos.url,
        "POS_SECRET": POS_SECRET,
        "POS_LOCATION_ID": "L-E2E",
        "POS_BACKOFF_SECONDS": "0.1",
    }
    extra_env = {**LLM_TEST_ENV, "GROQ_BASE_URL": fake_groq.url, **pos_env}
    # E2E_TOPOLOGY=prod: the same tests on PostgreSQL, Redis, nginx and two Rasa servers (scripts/prod.sh)
    running = (
        ProdStack(extra_env=extra_env)
        if e2e_topology() == "prod"
        else Stack(workdir=tmp_path_factory.mktemp("stack"), extra_env=extra_env)
    )
    workdir = running.workdir
    try:
        running.prepare_backend()
        running.start_backend()
        running.start_actions()
        running.start_rasa(copy_model(model, workdir))
        yield running
    finally:
        running.stop_all()
    assert_no_self_check_failed(workdir)


@pytest.fixture()
def redis_server(tmp_path: Path) -> Iterator[str]:
    """A real Redis server (Debian's redis-server, installed by `scripts/prod.sh install`, which make
    test runs) on a free port; yields its URL without a database number."""
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: run `bash scripts/prod.sh install` (make test does)")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not _accepts(port):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(10)


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0
