"""`python -m rag search ... --json`, run as a process against the CLI-built index."""
from __future__ import annotations

import json
import subprocess

from tests.rag.helpers import rag_env
from tests.stack import APP_PYTHON, ROOT


def test_search_json_output_and_allergen_flag(cli_build, backend):
    done = subprocess.run(
        [str(APP_PYTHON), "-m", "rag", "search", "peanut noodles", "--top-k", "6", "--exclude-allergens",
         "peanuts,milk", "--kind", "menu_item", "--json"],
        cwd=ROOT, env=rag_env(backend, cli_build.path), capture_output=True, text=True, timeout=120)
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


def test_cli_refuses_a_folder_another_process_holds(indexer, rag_config, backend):
    from pathlib import Path

    done = subprocess.run([str(APP_PYTHON), "-m", "rag", "search", "soup", "--json"], cwd=ROOT,
                          env=rag_env(backend, Path(rag_config.qdrant_path)), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "QDRANT_URL" in done.stderr
