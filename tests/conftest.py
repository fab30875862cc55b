"""Fixtures: the live stack (backend, action server, Rasa) for end-to-end tests."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.stack import Stack, copy_model, latest_model


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    model = latest_model()
    if model is None:
        pytest.fail("No trained Rasa model in models/: run `make train` (make test does it for you).")
    workdir: Path = tmp_path_factory.mktemp("stack")
    running = Stack(workdir=workdir)
    try:
        running.prepare_backend()
        running.start_backend()
        running.start_actions()
        running.start_rasa(copy_model(model, workdir))
        yield running
    finally:
        running.stop_all()
