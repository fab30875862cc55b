"""gunicorn settings of the backend: Prometheus metrics across worker processes.

Every worker is its own process, so prometheus_client runs in multiprocess mode: each worker writes
its values to files in PROMETHEUS_MULTIPROC_DIR and GET /metrics adds them up
(apps/common/metrics.py). The directory (default: $DATA_DIR/prometheus, DATA_DIR defaulting to the
repository's var/) is created and emptied when gunicorn starts, before any worker: files of an
earlier run would otherwise be added to this run's counters.

Pass it with --config; the path is relative to where gunicorn is started (before --chdir):
  Procfile, Docker (from the repository root):  gunicorn --config backend/gunicorn.conf.py --chdir backend ...
  from backend/:                                gunicorn --config gunicorn.conf.py ...
Everything else (bind, workers, timeouts) stays on the command line.
"""

from __future__ import annotations

import os
from pathlib import Path

_REPO_DIR = Path(__file__).resolve().parent.parent


def _multiproc_dir() -> Path:
    configured = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip()
    if configured:
        return Path(configured)
    data_dir = Path(os.environ.get("DATA_DIR", "").strip() or "var")
    return (data_dir if data_dir.is_absolute() else _REPO_DIR / data_dir) / "prometheus"


_METRICS_DIR = _multiproc_dir()
# Set before any worker (and so before prometheus_client in it) is imported: the workers inherit it.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_METRICS_DIR)


def on_starting(server) -> None:
    """Once, in the master, before the workers start: an empty directory for this run."""
    _METRICS_DIR.mkdir(parents=True, exist_ok=True)
    for stale in _METRICS_DIR.glob("*.db"):
        stale.unlink(missing_ok=True)


def post_worker_init(worker) -> None:
    """In each worker, once Django is loaded: the follow-ups of requests for a person that a stopped
    backend had scheduled (apps/support/waiting.py; each is still done once)."""
    from apps.support.waiting import resume_follow_ups

    try:
        resume_follow_ups()
    except Exception:
        worker.log.warning(
            "the follow-ups of waiting requests for a person could not be scheduled", exc_info=True
        )


def child_exit(server, worker) -> None:
    """A worker died: drop its live gauges (its counters stay in the totals)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


# gunicorn's own lines (its errors, and the access log of `--access-logfile -`) in the JSON format the
# backend's Django logging uses (service_common/logs.py; importable once gunicorn has gone --chdir backend).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": []},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
    },
    "handlers": {
        "console": {"()": "service_common.logs.json_handler", "stream": "ext://sys.stdout"},
        "error_console": {"()": "service_common.logs.json_handler", "stream": "ext://sys.stderr"},
    },
    "formatters": {},
}
