"""Retrieval settings from environment variables (pydantic-settings, as the action server and LLM settings)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from nlu.minilm import bundled_model_path

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = Path(__file__).resolve().parent / "docs"


ROLES = ("writer", "reader")
# The Hugging Face libraries read these when they are first imported: set before the model loads
# (Embedder.load), never at import time of this package.
OFFLINE_HUB = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}


def use_offline_hub() -> None:
    """Make sure no library tries the Hugging Face Hub: the model comes from disk (no internet here)."""
    for name, value in OFFLINE_HUB.items():
        os.environ.setdefault(name, value)


class RagConfig(BaseSettings):
    """Retrieval settings (README configuration table). `RagConfig()` reads the environment;
    `RagConfig.from_env(mapping)` reads only that mapping."""

    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", populate_by_name=True, frozen=True, env_ignore_empty=True
    )

    backend_url: str = Field("http://127.0.0.1:8000", alias="BACKEND_URL")
    # BACKEND_SERVICE_TOKEN: menu reads are public but throttled for anonymous clients
    backend_token: str | None = Field(None, alias="BACKEND_SERVICE_TOKEN", repr=False)
    qdrant_path: str = Field(str(ROOT / "var" / "qdrant"), alias="QDRANT_PATH")
    qdrant_url: str | None = Field(None, alias="QDRANT_URL")
    qdrant_api_key: str | None = Field(None, alias="QDRANT_API_KEY", repr=False)
    collection: str = Field("restaurant", alias="QDRANT_COLLECTION")
    model_path: str | None = Field(
        None, alias="EMBEDDING_MODEL_PATH"
    )  # None = the bundled model (nlu/minilm.py)
    docs_dir: str = Field(str(DOCS_DIR), alias="RAG_DOCS_DIR")
    backend_timeout: float = Field(10.0, alias="RAG_BACKEND_TIMEOUT")
    # fuse BM25 (sparse) with dense results; see rag/README.md for the figures
    hybrid: bool = Field(True, alias="RAG_HYBRID")
    hybrid_lexical_weight: float = Field(1.0, alias="RAG_HYBRID_LEXICAL_WEIGHT")  # the BM25 list's weight
    # "writer" owns the embedded folder (syncs, publishes snapshots); "reader" never writes and
    # searches the newest published snapshot (rag/snapshots.py). Ignored with QDRANT_URL.
    index_role: Literal["writer", "reader"] = Field("writer", alias="RAG_INDEX_ROLE")
    snapshot_check_seconds: float = Field(
        1.0, alias="RAG_SNAPSHOT_CHECK_SECONDS"
    )  # a reader's look for a newer snapshot
    # torch's intra-op threads for query encoding, set when the model loads (0 = torch's own)
    torch_threads: int = Field(1, alias="RAG_TORCH_THREADS")
    query_jit: bool = Field(True, alias="RAG_QUERY_JIT")  # trace the query encoder with TorchScript

    @field_validator("backend_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("index_role", mode="before")
    @classmethod
    def _role(cls, value: object) -> object:
        role = str(value).strip().lower() if value is not None else "writer"
        if role not in ROLES:
            raise ValueError(f"RAG_INDEX_ROLE must be one of {', '.join(ROLES)}, got {value!r}")
        return role

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> RagConfig:
        """The settings from `env` (default: the process environment); empty values are unset."""
        if env is None:
            return cls()
        return cls.model_validate({name: value for name, value in env.items() if value.strip()})

    @property
    def embedded(self) -> bool:
        """The index lives in a folder (QDRANT_PATH), not on a Qdrant server."""
        return not self.qdrant_url

    @property
    def reads_snapshots(self) -> bool:
        """A reader on the embedded store: searches published snapshots, never opens QDRANT_PATH itself.
        With a Qdrant server every process talks to the server and the role does not matter."""
        return self.embedded and self.index_role == "reader"

    @property
    def snapshots_dir(self) -> str:
        return str(Path(self.qdrant_path) / "snapshots")

    def resolved_model_path(self) -> str:
        return self.model_path or str(bundled_model_path())
