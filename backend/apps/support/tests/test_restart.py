"""gunicorn.conf.py's post_worker_init: a backend started while a request for a person has waited past
its follow-up time does that follow-up at once (the timers of the stopped process are gone), once,
however many workers start. Runs the real gunicorn on a file database."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

BACKEND_DIR = Path(__file__).resolve().parents[3]
MANAGE = [sys.executable, "manage.py"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_restarted_backend_reminds_a_guest_who_waited_while_it_was_down(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="restaurant_backend.settings",
        SQLITE_PATH=str(database),
        DATA_DIR=str(tmp_path / "data"),
        HANDOFF_UNCLAIMED_SECONDS="600",
        HANDOFF_NOTIFY_AFTER_SECONDS="0",
        RASA_URL=f"http://127.0.0.1:{_free_port()}",
    )  # nobody listens: the chat push fails, logged
    for name in ("PROMETHEUS_MULTIPROC_DIR", "SENTRY_DSN", "DATABASE_URL"):
        env.pop(name, None)
    subprocess.run([*MANAGE, "migrate", "-v0"], cwd=BACKEND_DIR, env=env, check=True, timeout=300)
    # two requests made while an earlier process ran: one waited an hour (overdue), one just came in
    subprocess.run(
        [
            *MANAGE,
            "shell",
            "-c",
            (
                "from datetime import timedelta; from django.utils import timezone; from apps.support.models import Handoff; "
                "old = Handoff.objects.create(conversation_id='waited-an-hour', reason='a person please'); "
                "Handoff.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1)); "
                "Handoff.objects.create(conversation_id='just-asked', reason='a person please')"
            ),
        ],
        cwd=BACKEND_DIR,
        env=env,
        check=True,
        timeout=120,
    )

    def reminded() -> dict[str, bool]:
        with sqlite3.connect(database) as db:
            rows = db.execute("select conversation_id, guest_reminded_at from support_handoff").fetchall()
        return {conversation: at is not None for conversation, at in rows}

    assert reminded() == {"waited-an-hour": False, "just-asked": False}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{_free_port()}",
            "--workers",
            "2",
            "restaurant_backend.wsgi",
        ],
        cwd=BACKEND_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not reminded()["waited-an-hour"]:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the overdue reminder was not sent after the restart"
            time.sleep(0.3)
        time.sleep(2)  # both workers are up by now
        assert reminded() == {"waited-an-hour": True, "just-asked": False}  # the other is still 10 min off
    finally:
        process.terminate()
        process.wait(timeout=30)
