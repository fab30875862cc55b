"""Retrieval settings from environment variables, read once with defaults."""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from nlu.minilm import bundled_model_path

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = Path(__file__).resolve().parent / "docs"


def _flag(value: Optional[str], default: bool) -> bool:
    if value is None or not value.strip():
        return default
    value = value.strip().lower()
    if value in ("1", "on", "true", "yes"):
        return True
    if value in ("0", "off", "false", "no"):
        return False
    raise ValueError(f"expected on/off (1/0, true/false), got {value!r}")


ROLES = ("writer", "reader")


def _role(value: Optional[str]) -> str:
    role = (value or "").strip().lower() or "writer"
    if role not in ROLES:
        raise ValueError(f"RAG_INDEX_ROLE must be one of {', '.join(ROLES)}, got {value!r}")
    return role


@dataclass(frozen=True)
class RagConfig:
    backend_url: str = "http://127.0.0.1:8000"
    backend_token: Optional[str] = None  # BACKEND_SERVICE_TOKEN: menu reads are public but throttled for anonymous clients
    qdrant_path: str = str(ROOT / "var" / "qdrant")
    qdrant_url: Optional[str] = None
    qdrant_api_key: Optional[str] = None
    collection: str = "restaurant"
    model_path: Optional[str] = None  # None = the bundled model (nlu/minilm.py), resolved when it loads
    docs_dir: str = str(DOCS_DIR)
    backend_timeout: float = 10.0
    hybrid: bool = True  # RAG_HYBRID: fuse BM25 (sparse) with dense results; see rag/README.md for the figures
    hybrid_lexical_weight: float = 1.0  # RAG_HYBRID_LEXICAL_WEIGHT: the BM25 list's weight in the rank fusion
    # RAG_INDEX_ROLE: "writer" owns the embedded folder (syncs, publishes snapshots); "reader" never
    # writes and searches the newest published snapshot (rag/snapshots.py). Ignored with QDRANT_URL.
    index_role: str = "writer"
    snapshot_check_seconds: float = 1.0  # RAG_SNAPSHOT_CHECK_SECONDS: a reader looks for a newer snapshot at most this often

    @classmethod
    def from_env(cls, env: Optional[Mapping[str, str]] = None) -> "RagConfig":
        env = os.environ if env is None else env
        return cls(
            backend_url=env.get("BACKEND_URL", cls.backend_url).rstrip("/"),
            backend_token=env.get("BACKEND_SERVICE_TOKEN") or None,
            qdrant_path=env.get("QDRANT_PATH") or cls.qdrant_path,
            qdrant_url=env.get("QDRANT_URL") or None,
            qdrant_api_key=env.get("QDRANT_API_KEY") or None,
            collection=env.get("QDRANT_COLLECTION") or cls.collection,
            model_path=env.get("EMBEDDING_MODEL_PATH") or None,
            docs_dir=env.get("RAG_DOCS_DIR") or cls.docs_dir,
            backend_timeout=float(env.get("RAG_BACKEND_TIMEOUT", cls.backend_timeout)),
            hybrid=_flag(env.get("RAG_HYBRID"), cls.hybrid),
            hybrid_lexical_weight=float(env.get("RAG_HYBRID_LEXICAL_WEIGHT") or cls.hybrid_lexical_weight),
            index_role=_role(env.get("RAG_INDEX_ROLE")),
            snapshot_check_seconds=float(env.get("RAG_SNAPSHOT_CHECK_SECONDS") or cls.snapshot_check_seconds),
        )

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
