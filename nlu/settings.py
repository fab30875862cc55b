"""The NLU components' settings (the Rasa server's sentence encoder), read from the environment.

pydantic 1's `BaseSettings` as in channels/settings.py (the Rasa environment has no pydantic-settings).
"""

from __future__ import annotations

try:  # pydantic 2
    from pydantic.v1 import BaseSettings, Field
except ImportError:  # pydantic 1 (.venv-rasa)
    from pydantic import BaseSettings, Field  # type: ignore[no-redef]


class NluSettings(BaseSettings):
    encoder_path: str | None = Field(None, env="NLU_ENCODER_PATH")  # None or empty = the bundled model
    encoder_threads: int = Field(1, env="NLU_ENCODER_THREADS")  # BLAS threads of one encoder pass

    class Config:
        case_sensitive = True
