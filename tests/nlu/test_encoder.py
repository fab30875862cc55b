"""The Rasa server's NumPy sentence encoder gives the same vectors as sentence-transformers.

The NLU pipeline (nlu/components.py) runs all-MiniLM-L6-v2 without torch; if its forward pass
drifted from the real model, every threshold and the out-of-scope distance would mean something
else. This compares it with sentence-transformers on the same bundled weights (both offline).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from nlu.encoder import SentenceEncoder, default_model_dir
from tests.nlu.messages import MESSAGES


@pytest.fixture(scope="module")
def reference():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(default_model_dir()), device="cpu")


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(default_model_dir())


def test_sentence_vectors_match_sentence_transformers(reference, encoder: SentenceEncoder):
    expected = reference.encode(MESSAGES, normalize_embeddings=True)
    got = np.stack([encoded.sentence for encoded in encoder.encode(MESSAGES)])
    cosines = (expected * got).sum(axis=1)
    assert cosines.min() > 0.9999, dict(zip(MESSAGES, cosines.round(6), strict=False))


def test_batches_of_mixed_length_give_the_same_vectors_as_one_at_a_time(encoder: SentenceEncoder):
    together = np.stack([encoded.sentence for encoded in encoder.encode(MESSAGES, batch_size=4)])
    alone = np.stack([encoder.encode([message])[0].sentence for message in MESSAGES])
    assert np.abs(together - alone).max() < 1e-4


def test_token_vectors_carry_character_spans_of_the_message(encoder: SentenceEncoder):
    encoded = encoder.encode(["two garlic breads"])[0]
    assert len(encoded.offsets) == encoded.tokens.shape[0]
    assert ["two garlic breads"[start:end] for start, end in encoded.offsets][:2] == ["two", "garlic"]


def test_meaning_not_spelling_decides_closeness(encoder: SentenceEncoder):
    order, paraphrase, alarm = (
        encoded.sentence
        for encoded in encoder.encode(
            [
                "I'd like two garlic breads",
                "could I get a couple of garlic breads",
                "please add alarms at 4:30 and 10:30",
            ]
        )
    )
    assert order @ paraphrase > order @ alarm + 0.3


def test_a_remembered_message_gives_the_same_vector_as_a_fresh_pass(encoder: SentenceEncoder):
    fresh = encoder.encode(["yes please"])[0]
    first, again = encoder.encode_one("yes please"), encoder.encode_one("yes please")
    assert again is first
    assert np.allclose(first.sentence, fresh.sentence, atol=1e-6) and first.offsets == fresh.offsets
