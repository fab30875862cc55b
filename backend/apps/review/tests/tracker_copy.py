"""Test helper shared by the review and insights tests: a copy of a fixture tracker store (written
by Rasa's SQLTrackerStore), wired read-only to the "tracker" database alias."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections


@contextmanager
def tracker_copy(fixture: Path, tmp_path: Path, settings) -> Iterator[Path]:
    path = tmp_path / "tracker.db"
    shutil.copy(fixture, path)
    settings.TRACKER_DATABASE_URL = f"sqlite:///{path}"
    conn = connections["tracker"]
    old = conn.settings_dict["NAME"]
    conn.settings_dict["NAME"] = f"file:{path}?mode=ro"  # set first: close() ignores in-memory databases
    conn.close()
    try:
        yield path
    finally:
        conn.close()
        conn.settings_dict["NAME"] = old
