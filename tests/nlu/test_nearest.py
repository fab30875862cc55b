"""The out-of-scope judge's best similarity per intent (nlu/components.py `nearest`), worked out from
label groups computed once, is exactly each intent's best example similarity, for every message.
nlu/ is a Rasa component, so the check runs in .venv-rasa in a subprocess."""

from __future__ import annotations

import json
import subprocess

from tests.stack import ROOT

CHECK = r"""
import json
import numpy as np
from nlu.components import EmbeddingIntentClassifier
rng = np.random.default_rng(7)
labels = list(rng.choice(["greet", "order_item", "out_of_scope", "ask_faq", "affirm"], 300))
judge = EmbeddingIntentClassifier({}, None, None, rng.normal(size=(300, 384)).astype(np.float32), labels)
same = []
for _ in range(20):
    vector = rng.normal(size=384).astype(np.float32)
    similarities = judge.vectors @ vector
    by_definition = {label: float(similarities[judge.labels == label].max()) for label in set(labels)}
    same.append(judge.nearest(vector) == by_definition)
judge.labels = np.asarray(["greet"] * 300, dtype=object)  # retrained with other labels
print(json.dumps({"same": same, "after new labels": sorted(judge.nearest(vector)),
                  "no examples": EmbeddingIntentClassifier({}, None, None).nearest(vector)}))
"""


def test_nearest_is_each_intents_best_example_similarity():
    done = subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "python"), "-c", CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    assert outcome["same"] == [True] * 20
    assert outcome["after new labels"] == ["greet"] and outcome["no examples"] == {}
