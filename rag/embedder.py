"""Sentence embeddings with the bundled MiniLM model, loaded lazily, offline, once per process."""
from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Optional

# The model must come from disk; make sure no library tries the Hugging Face Hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")

Vector = tuple[float, ...]


class Embedder:
    """Wraps a SentenceTransformer; counts what it embeds so callers (and tests) can see the work done.

    `documents_embedded` counts texts sent to the model by `embed_documents`; `queries_embedded`
    counts query cache misses.
    """

    dimension = 384  # all-MiniLM-L6-v2

    def __init__(self, model_path: Optional[str] = None, *, query_cache_size: int = 2048) -> None:
        self._model_path = model_path
        self._model: Any = None
        self._lock = threading.Lock()
        self.documents_embedded = 0
        self.queries_embedded = 0
        self.embed_query = lru_cache(maxsize=query_cache_size)(self._embed_query)  # per instance

    @property
    def model_path(self) -> str:
        if self._model_path is None:
            from rag.config import default_model_path

            self._model_path = default_model_path()
        return self._model_path

    @property
    def model_id(self) -> str:
        """Identifies the vectors' space; stored with the index so a model change forces a rebuild."""
        return "all-MiniLM-L6-v2:" + os.path.basename(os.path.normpath(self.model_path))

    def load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as hf_logging

                    hf_logging.disable_progress_bar()  # no "Loading weights" bar in every CLI call

                    self._model = SentenceTransformer(self.model_path, device="cpu", local_files_only=True)
        return self._model

    def warm_up(self) -> None:
        self.load()
        self.embed_query("warm up")

    def embed_documents(self, texts: Sequence[str], *, batch_size: int = 32) -> list[list[float]]:
        if not texts:
            return []
        vectors = self.load().encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                      convert_to_numpy=True, show_progress_bar=False)
        self.documents_embedded += len(texts)
        return [vector.tolist() for vector in vectors]

    def _embed_query(self, text: str) -> Vector:
        vector = self.load().encode([text], normalize_embeddings=True, convert_to_numpy=True,
                                     show_progress_bar=False)[0]
        self.queries_embedded += 1
        return tuple(float(value) for value in vector)


_shared: dict[str, Embedder] = {}
_shared_lock = threading.Lock()


def shared_embedder(model_path: Optional[str] = None) -> Embedder:
    """One Embedder (hence one loaded model) per model path per process."""
    key = model_path or ""
    with _shared_lock:
        if key not in _shared:
            _shared[key] = Embedder(model_path)
        return _shared[key]
