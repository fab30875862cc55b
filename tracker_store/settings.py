"""The tracker store's settings, read from the environment once per process.

pydantic 1's `BaseSettings` as in channels/settings.py (the Rasa environment has no pydantic-settings);
from `pydantic.v1` where pydantic 2 is installed (tests/stack.py imports self_check from `.venv`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy checks this against .venv-rasa (scripts/static_checks.sh): pydantic 1
    from pydantic import BaseSettings, Field
else:
    try:  # pydantic 2
        from pydantic.v1 import BaseSettings, Field
    except ImportError:  # pydantic 1 (.venv-rasa)
        from pydantic import BaseSettings, Field


class TrackerStoreSettings(BaseSettings):
    # "1": each remembered or reused result is also computed Rasa's way and compared (self_check.py)
    tracker_states_self_check: str = Field(default="", env="TRACKER_STATES_SELF_CHECK")

    class Config:
        case_sensitive = True


@lru_cache(maxsize=1)
def get_settings() -> TrackerStoreSettings:
    """Cached: the self-check flag is asked several times in every turn."""
    return TrackerStoreSettings()
