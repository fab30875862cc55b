"""Settings are read in the settings modules only, and nothing reaches for the Hugging Face Hub."""

from __future__ import annotations

import os
import re
import subprocess

from tests.stack import APP_PYTHON, ROOT

PACKAGES = ("actions", "llm", "rag", "channels", "tracker_store", "nlu", "backend", "terminal_chat")
# the settings modules, and Django's/gunicorn's own entry points (DJANGO_SETTINGS_MODULE, the workers' metrics dir)
ALLOWED = {
    "backend/restaurant_backend/env.py",
    "backend/restaurant_backend/settings_production.py",
    "backend/restaurant_backend/wsgi.py",
    "backend/restaurant_backend/asgi.py",
    "backend/manage.py",
    "backend/gunicorn.conf.py",
    "service_common/secret_rotation.py",
    "rag/config.py",
}
READ = re.compile(r"os\.environ|getenv")


def test_no_environment_reads_outside_the_settings_modules():
    found = []
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if "/tests/" in relative or relative.startswith("backend/service_common") or relative in ALLOWED:
                continue
            found += [
                f"{relative}:{number}"
                for number, line in enumerate(path.read_text().splitlines(), 1)
                if READ.search(line)
            ]
    assert found == []


def test_the_model_loads_offline_and_importing_retrieval_changes_no_environment():
    script = (
        "import os, rag.embedder, rag.retriever\n"
        "assert 'HF_HUB_OFFLINE' not in os.environ, 'set at import time'\n"
        "from rag.embedder import Embedder\n"
        "Embedder().load()\n"
        "import huggingface_hub.constants as c\n"
        "assert c.HF_HUB_OFFLINE, 'the hub is not offline'\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    done = subprocess.run(
        [str(APP_PYTHON), "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
