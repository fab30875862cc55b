"""The NLU components' settings (the Rasa server's sentence encoder), read from the environment.

pydantic 1's `BaseSettings` as in channels/settings.py (the Rasa environment has no pydantic-settings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy checks this against .venv-rasa (scripts/static_checks.sh): pydantic 1
    from pydantic import BaseSettings, Field
else:
    try:  # pydantic 2
        from pydantic.v1 import BaseSettings, Field
    except ImportError:  # pydantic 1 (.venv-rasa)
        from pydantic import BaseSettings, Field


class NluSettings(BaseSettings):
    # None or empty: the bundled model
    encoder_path: str | None = Field(default=None, env="NLU_ENCODER_PATH")
    # BLAS threads of one encoder pass
    encoder_threads: int = Field(default=1, env="NLU_ENCODER_THREADS")

    class Config:
        case_sensitive = True
