"""Run work off the request thread on a small thread pool (inline when BACKGROUND_TASKS_SYNC)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)
_executor: ThreadPoolExecutor | None = None
_lock = threading.Lock()


def _get_executor() -> ThreadPoolExecutor:
    global _executor
    with _lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(
                max_workers=settings.BACKGROUND_TASK_WORKERS, thread_name_prefix="bg-task"
            )
        return _executor


def _run(fn: Callable[..., Any], *args: Any) -> None:
    close_old_connections()
    try:
        fn(*args)
    except Exception:
        logger.exception("background task %s failed", getattr(fn, "__name__", fn))
    finally:
        connections.close_all()


def submit(fn: Callable[..., Any], *args: Any) -> Future[None] | None:
    if settings.BACKGROUND_TASKS_SYNC:
        fn(*args)
        return None
    return _get_executor().submit(_run, fn, *args)


def later(delay_seconds: float, fn: Callable[..., Any], *args: Any) -> threading.Timer:
    """Run `fn(*args)` once after a delay, on a daemon timer thread of this process.

    Always a real delay, also with BACKGROUND_TASKS_SYNC. Lost if the process stops first, so the
    work must be safe to skip (or to do twice: guard it with a conditional update)."""
    timer = threading.Timer(delay_seconds, _run, (fn, *args))
    timer.daemon = True
    timer.start()
    return timer
