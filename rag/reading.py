"""Searching beside a running action server, which holds the embedded index as its single writer.

Embedded Qdrant admits one process per folder. A process that only searches (`python -m rag
search`, `python -m llm chat`) reads the newest snapshot the writer published for readers
(rag/snapshots.py), or, if it published none, a private copy of the folder; it never stops or
waits for the writer.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from typing import Any

from rag.config import RagConfig
from rag.index import IndexLockedError
from rag.retriever import Retriever
from rag.snapshots import SnapshotStore


def tell(note: str) -> None:
    print(note, file=sys.stderr)


def open_retriever(
    config: RagConfig, *, say: Callable[[str], None] = tell, **retriever_kwargs: Any
) -> Retriever:
    """A retriever on the index itself when it is free, else on the writer's snapshot (or a copy)."""
    if config.reads_snapshots:
        return Retriever(config, **retriever_kwargs)
    retriever = Retriever(config, **retriever_kwargs)
    try:
        retriever.index  # noqa: B018 - opens the store now, so a locked folder shows up here
        return retriever
    except IndexLockedError:
        if not config.embedded:
            raise
    if SnapshotStore.from_config(config).current() is not None:
        say("(the action server holds the index; reading its published snapshot)")
        return Retriever(config.model_copy(update={"index_role": "reader"}), **retriever_kwargs)
    copy = os.path.join(tempfile.mkdtemp(prefix="rag-read-"), "qdrant")
    shutil.copytree(config.qdrant_path, copy, ignore=shutil.ignore_patterns(".lock", "snapshots"))
    say(f"(the action server holds the index; reading a snapshot copy in {copy})")
    return Retriever(config.model_copy(update={"qdrant_path": copy}), **retriever_kwargs)
