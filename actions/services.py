"""Where actions get their clients. Built lazily on first use, never at import; tests may inject."""
from __future__ import annotations

from typing import Optional

from actions.backend_client import BackendClient
from actions.settings import get_settings

_backend: Optional[BackendClient] = None


def backend() -> BackendClient:
    global _backend
    if _backend is None:
        settings = get_settings()
        _backend = BackendClient(
            settings.backend_url,
            settings.backend_service_token,
            timeout_seconds=settings.backend_timeout_seconds,
            menu_cache_seconds=settings.menu_cache_seconds,
        )
    return _backend


def use_backend(client: Optional[BackendClient]) -> None:
    """Replace the shared backend client (tests, or an embedding application)."""
    global _backend
    _backend = client


_indexer = None


def indexer():  # -> rag.sync.Indexer; imported lazily so actions load without the model
    """The one index writer of this process (embedded Qdrant allows a single client per folder)."""
    global _indexer
    if _indexer is None:
        from rag.config import RagConfig
        from rag.sync import Indexer

        _indexer = Indexer.from_config(RagConfig.from_env())
    return _indexer


def webhook_secret() -> str:
    return get_settings().webhook_secret
