from __future__ import annotations

from pathlib import Path

import pytest

from apps.review.nlu import group, normalise, training_texts


def test_normalise_and_known_training_text(settings):
    assert normalise("  Add a [Coke](dish)!! ") == "add a coke"
    known = training_texts(str(Path(settings.REPO_DIR) / "data" / "nlu"))
    assert known and "hi" in known


def test_near_duplicates_share_a_group_with_minilm(settings):
    pytest.importorskip("sentence_transformers")
    settings.REVIEW_GROUPING = "embeddings"
    texts = [
        "can i get a pad thai",
        "can i get a pad thai please",
        "is the tiramisu made with raw eggs",
        "does the tiramisu have raw egg in it",
    ]
    groups = group([{"norm": t, "text": t} for t in texts])
    assert [[m["text"] for m in g] for g in groups] == [texts[:2], texts[2:]]
