"""Does NLU confidence mean what it says? A reliability table and the expected calibration error.

Reads the predictions that `../shared/nlu-dev/run.py --json FILE` writes (or any JSON list of
{"intent", "predicted", "confidence"}), and prints, per confidence band, how many predictions fell
in it, their mean confidence and how often they were right. A prediction on an out-of-scope
message is right when it is `out_of_scope` or `nlu_fallback` (the bot then declines or asks).

    .venv/bin/python scripts/nlu_calibration.py results/nlu-dev.json

The clarification gate (TRANSACTIONAL_CONFIDENCE_THRESHOLD, 0.95) is only safe if the top band is
nearly always right; the last lines say how often a cart- or order-changing intent at or above the
gate was wrong.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BANDS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)
DECLINED = {"out_of_scope", "nlu_fallback"}
TRANSACTIONAL = {"order_item", "change_quantity", "remove_item", "checkout", "affirm"}


@dataclass
class Band:
    low: float
    high: float
    count: int = 0
    confidence_sum: float = 0.0
    correct: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.count if self.count else 0.0

    @property
    def mean_confidence(self) -> float:
        return self.confidence_sum / self.count if self.count else 0.0


def is_correct(prediction: dict[str, Any]) -> bool:
    if prediction["intent"] == "out_of_scope":
        return prediction["predicted"] in DECLINED
    return prediction["predicted"] == prediction["intent"]


def reliability(predictions: Iterable[dict[str, Any]]) -> list[Band]:
    bands = [Band(low, high) for low, high in itertools.pairwise(BANDS)]
    for prediction in predictions:
        confidence = min(max(float(prediction["confidence"]), 0.0), 1.0)
        band = next(band for band in bands if confidence < band.high or band.high == 1.0)
        band.count += 1
        band.confidence_sum += confidence
        band.correct += is_correct(prediction)
    return bands


def expected_calibration_error(bands: list[Band]) -> float:
    """Mean gap between confidence and accuracy, weighted by how many predictions each band holds."""
    total = sum(band.count for band in bands)
    return (
        sum(band.count / total * abs(band.accuracy - band.mean_confidence) for band in bands if band.count)
        if total
        else 0.0
    )


def gate_report(predictions: list[dict[str, Any]], gate: float) -> tuple[int, int]:
    """How many cart/order-changing predictions reached the gate, and how many of those were wrong."""
    above = [p for p in predictions if p["predicted"] in TRANSACTIONAL and float(p["confidence"]) >= gate]
    return len(above), sum(not is_correct(p) for p in above)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "predictions", type=Path, help="JSON from nlu-dev's run.py --json (or a list of predictions)"
    )
    parser.add_argument(
        "--gate", type=float, default=0.95, help="the clarification gate to report on (default 0.95)"
    )
    args = parser.parse_args(argv)
    loaded = json.loads(args.predictions.read_text())
    predictions = loaded["predictions"] if isinstance(loaded, dict) else loaded
    bands = reliability(predictions)
    print("| confidence | n | mean confidence | accuracy |\n|---|---|---|---|")
    for band in bands:
        if band.count:
            print(
                f"| {band.low:.2f}–{band.high:.2f} | {band.count} | {band.mean_confidence:.3f} | {band.accuracy:.3f} |"
            )
    print(
        f"\nexpected calibration error (ECE): {expected_calibration_error(bands):.3f} over {sum(b.count for b in bands)} predictions"
    )
    reached, wrong = gate_report(predictions, args.gate)
    print(f"cart/order-changing intents at >= {args.gate:.2f}: {reached}, of which wrong: {wrong}")


if __name__ == "__main__":
    main()
