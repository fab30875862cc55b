"""JSON logs for the action server, each line carrying the conversation id it concerns (no PII)."""
from __future__ import annotations

import logging
import os

import structlog


def configure_logging() -> None:
    """Render every stdlib log record as one JSON line; `extra={...}` fields become keys."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso"),
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, structlog.processors.JSONRenderer()],
    )
    handler = logging.StreamHandler()
    handler.setFormatter(formatter)
    package_logger = logging.getLogger("actions")
    package_logger.handlers = [handler]
    package_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    package_logger.propagate = False
