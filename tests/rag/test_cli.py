"""`python -m rag search ... --json`, run as a process against the CLI-built index."""

from __future__ import annotations

import json
import subprocess

from tests.rag.helpers import rag_env
from tests.stack import APP_PYTHON, ROOT


def test_search_json_output_and_allergen_flag(cli_build, backend):
    done = subprocess.run(
        [
            str(APP_PYTHON),
            "-m",
            "rag",
            "search",
            "peanut noodles",
            "--top-k",
            "6",
            "--exclude-allergens",
            "peanuts,milk",
            "--kind",
            "menu_item",
            "--json",
        ],
        cwd=ROOT,
        env=rag_env(backend, cli_build.path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert len(results) == 6
    for result in results:
        assert {"id", "kind", "title", "text", "score"} <= set(result)
        assert isinstance(result["score"], float) and result["kind"] == "menu_item"
        allergens = backend.get(f"/api/menu/items/{result['item_id']}/")["allergens"]
        assert not {"peanuts", "milk"} & set(allergens)
    # ordered by the hybrid fusion score (the default); `score` stays the cosine similarity
    order = [r.get("fused", r["score"]) for r in results]
    assert order == sorted(order, reverse=True)


def test_search_works_beside_the_process_that_holds_the_folder(indexer, rag_config, backend):
    """The action server holds the embedded index while the stack runs: search reads a copy instead."""
    from pathlib import Path

    indexer.index.count()  # the folder is open in this process, as in the running action server
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "rag", "search", "tomato soup", "--kind", "menu_item", "--json"],
        cwd=ROOT,
        env=rag_env(backend, Path(rag_config.qdrant_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "the action server holds the index" in done.stderr
    assert "Tomato Soup" in [result["title"] for result in json.loads(done.stdout)]
