"""Retrieval for the restaurant assistant: menu items from the backend plus Markdown docs, in Qdrant.

Nothing heavy happens at import time: the embedding model and the Qdrant client are built on
first use (see rag.embedder and rag.index), so importing `rag` from the action server is cheap.
"""

from __future__ import annotations

from rag.retriever import Result, Retriever, SearchFilters

__all__ = ["Result", "Retriever", "SearchFilters"]
