"""The one parser of each setting that more than one service reads (LOG_LEVEL, CHAT_ALLOWED_ORIGINS).

`python -m service_common.values origins` prints CHAT_ALLOWED_ORIGINS as the space-separated list
`rasa run --cors` takes (the Procfile and scripts/prod_rasa.sh).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")


def parse_log_level(value: str | None, default: str = "INFO") -> str:
    """LOG_LEVEL: a level name in any case (" debug "); empty = `default`."""
    name = (value or "").strip().upper() or default
    if name not in LEVELS:
        raise ValueError(f"LOG_LEVEL must be one of {', '.join(LEVELS)}, got {value!r}")
    return name


def parse_origins(value: str | Iterable[str] | None) -> list[str]:
    """CHAT_ALLOWED_ORIGINS: sites separated by commas and/or spaces (or a list), without a trailing /."""
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [item.strip().rstrip("/") for item in items if item and item.strip()]


if __name__ == "__main__":
    if sys.argv[1:] != ["origins"]:
        sys.exit("usage: python -m service_common.values origins")
    print(" ".join(parse_origins(os.environ.get("CHAT_ALLOWED_ORIGINS"))))
