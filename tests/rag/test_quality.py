"""Index stats from the CLI, and retrieval quality on the labelled guest questions
(tests/data/retrieval_questions.yml, scored by bench/retrieval_quality.py)."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys

from tests.rag.helpers import rag_env
from tests.stack import APP_PYTHON, ROOT

_spec = importlib.util.spec_from_file_location("retrieval_quality", ROOT / "bench" / "retrieval_quality.py")
quality = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("retrieval_quality", quality)  # dataclasses look their module up there
_spec.loader.exec_module(quality)

RECALL_FLOOR = 0.8  # product target is 0.9; the bench prints the real figure


def test_stats_counts_match_the_index(cli_build, backend, tmp_path):
    from qdrant_client import QdrantClient

    from rag.documents import KINDS

    env = rag_env(backend, cli_build.path)
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "rag", "stats", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    stats = json.loads(done.stdout)
    text = subprocess.run(
        [str(APP_PYTHON), "-m", "rag", "stats"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert text.returncode == 0, text.stderr[-3000:]

    # What the rebuild reported...
    built = re.search(r"rebuilt: (\d+) points .* from menu (\S+) in", cli_build.stdout)
    assert built, cli_build.stdout
    assert stats["total"] == int(built.group(1))
    assert stats["menu_version"] == built.group(2)
    assert (
        f"{stats['total']} points" in text.stdout and f"menu version: {stats['menu_version']}" in text.stdout
    )

    # ...and what is in the folder (read from a copy: embedded Qdrant admits one process per folder).
    copy = tmp_path / "store"
    shutil.copytree(cli_build.path, copy)
    client = QdrantClient(path=str(copy))
    try:
        records, offset = [], None
        while True:
            page, offset = client.scroll("restaurant", limit=512, offset=offset, with_payload=["kind"])
            records.extend(page)
            if offset is None:
                break
    finally:
        client.close()
    per_kind = {kind: sum(1 for r in records if (r.payload or {}).get("kind") == kind) for kind in KINDS}
    assert stats["total"] == len(records)
    assert stats["per_kind"] == per_kind
    assert sum(stats["per_kind"].values()) == stats["total"]
    assert stats["per_kind"]["menu_item"] > 0 and stats["per_kind"]["policy"] > 0
    for kind, count in per_kind.items():
        assert f"{kind}: {count}" in text.stdout


def test_labels_name_real_points(indexer):
    questions = quality.load_questions()
    assert len(questions) >= 80
    assert {q["group"] for q in questions} == set(quality.GROUPS)
    assert quality.unknown(questions, quality.index_keys(indexer.index)) == {}


def test_recall_at_5_on_guest_questions(retriever):
    figures = quality.evaluate(retriever, quality.load_questions())
    print("\n" + quality.report(figures))
    assert figures.recall >= RECALL_FLOOR, quality.report(figures)
