"""The baseline of the load test: Rasa's own starter bot (`rasa init`, the moodbot), as stock as it
comes, served by the same Rasa (.venv-rasa) the assistant runs on.

The trained project is kept in var/stock-bot, so only the first run trains it (about two minutes).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.stack import RASA, ROOT, free_port, terminate, wait_until_up

PROJECT = ROOT / "var" / "stock-bot"
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONUNBUFFERED": "1"}


@dataclass
class StockBot:
    url: str
    process: subprocess.Popen


def trained_project() -> Path:
    """var/stock-bot with a trained model, made by `rasa init --no-prompt` when missing."""
    if list(PROJECT.glob("models/*.tar.gz")):
        return PROJECT
    print("training the stock bot (rasa init --no-prompt), once: about two minutes", flush=True)
    PROJECT.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PROJECT.parent) as tmp:
        project = Path(tmp) / "stock-bot"
        project.mkdir()
        log = Path(tmp) / "init.log"
        with log.open("wb") as handle:
            done = subprocess.run(
                [str(RASA), "init", "--no-prompt", "--init-dir", str(project)],
                cwd=tmp,
                env=ENV,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        if done.returncode != 0 or not list(project.glob("models/*.tar.gz")):
            raise RuntimeError(f"rasa init failed; log:\n{log.read_text()[-4000:]}")
        shutil.rmtree(PROJECT, ignore_errors=True)
        project.rename(PROJECT)
    return PROJECT


@contextmanager
def serve(workdir: Path) -> Iterator[StockBot]:
    """`rasa run` of the stock project on a free loopback port (its own in-memory tracker store)."""
    project = trained_project()
    port = free_port()
    log = workdir / "stock-bot.log"
    with log.open("ab") as handle:
        process = subprocess.Popen(
            [
                str(RASA),
                "run",
                "--interface",
                "127.0.0.1",
                "--port",
                str(port),
                "--model",
                "models",
                "--credentials",
                "credentials.yml",
                "--endpoints",
                "endpoints.yml",
            ],
            cwd=project,
            env=ENV,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process, "stock bot", 240, log)
        yield StockBot(url, process)
    finally:
        terminate(process)
