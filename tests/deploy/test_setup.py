"""scripts/setup.sh as a newcomer sees it: each step named with its time, and a failure that says
which step failed and why (the end of its log). Run on a copy of the scripts, with a broken lock."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def interpreter(version: str) -> str:
    """An interpreter of that version, found as scripts/setup.sh finds one (PATH, then pyenv)."""
    found = subprocess.run(
        ["bash", "-c", f". scripts/find_python.sh && find_python {version} NO_OVERRIDE"],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if k != "NO_OVERRIDE"},
        capture_output=True,
        text=True,
    )
    if found.returncode:
        pytest.fail(f"no Python {version} here: scripts/setup.sh needs it")
    return found.stdout.strip()


def setup_copy(tmp_path: Path, rasa_lock: str) -> Path:
    """The setup scripts and requirements in a fresh folder (no environments), with this Rasa lock."""
    for folder in ("scripts", "requirements"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    (tmp_path / "requirements" / "rasa.lock").write_text(rasa_lock)
    return tmp_path


def run_setup(folder: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "scripts/setup.sh"],
        cwd=folder,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_failing_step_is_named_with_the_last_lines_of_its_log(tmp_path: Path):
    folder = setup_copy(tmp_path, "./no-such-package-dir\n")
    done = run_setup(folder, RASA_PYTHON=interpreter("3.10"), NO_COLOR="1")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert "[setup] done: create .venv-rasa (" in output  # a step that worked, with its time
    assert "[setup] FAILED: install Rasa's packages into .venv-rasa" in output
    assert "no-such-package-dir" in done.stderr.split("FAILED:", 1)[1]  # pip's own reason, from the log
    logs = list((folder / "var" / "steps").glob("install-Rasa*.log"))
    assert logs and "no-such-package-dir" in logs[0].read_text()


def test_a_rasa_python_of_the_wrong_version_stops_setup_and_says_so(tmp_path: Path):
    folder = setup_copy(tmp_path, (ROOT / "requirements" / "rasa.lock").read_text())
    wrong = interpreter("3.11")
    done = run_setup(folder, RASA_PYTHON=wrong)
    assert done.returncode == 1
    assert f"RASA_PYTHON={wrong} is Python 3.11, not 3.10." in done.stderr
    assert not (folder / ".venv-rasa").exists()  # stopped before anything was made


def test_a_rasa_python_that_does_not_exist_stops_setup_and_says_so(tmp_path: Path):
    folder = setup_copy(tmp_path, (ROOT / "requirements" / "rasa.lock").read_text())
    done = run_setup(folder, RASA_PYTHON="/nowhere/python3.10")
    assert done.returncode == 1
    assert "RASA_PYTHON=/nowhere/python3.10: no such interpreter." in done.stderr
