"""Print the NLU figures from `rasa test nlu` result folders as a small Markdown table."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

TRANSACTIONAL = {"order_item", "change_quantity", "remove_item", "checkout", "start_over"}


def figures(folder: Path) -> dict[str, float]:
    intents = json.loads((folder / "intent_report.json").read_text())
    result = {"intent accuracy": intents["accuracy"], "intent macro F1": intents["macro avg"]["f1-score"]}
    for entity_file in sorted(folder.glob("*EntityExtractor_report.json")) + sorted(
        folder.glob("DIETClassifier_report.json")
    ):
        report = json.loads(entity_file.read_text())
        result["entity micro F1"] = report["micro avg"]["f1-score"]
        result["entity macro F1"] = report["macro avg"]["f1-score"]
    if "out_of_scope" in intents:
        result["out_of_scope recall"] = intents["out_of_scope"]["recall"]
    errors_file = folder / "intent_errors.json"
    if errors_file.exists():
        errors = json.loads(errors_file.read_text())
        risky = [
            e
            for e in errors
            if e["intent"] == "out_of_scope"
            and e["intent_prediction"]["name"] in TRANSACTIONAL
            and e["intent_prediction"]["confidence"] >= 0.95
        ]
        result["out_of_scope → cart/order intent at ≥0.95"] = float(len(risky))
    return result


def main(folders: list[str]) -> None:
    print("| evaluation | " + " | ".join(["figure", "value"]) + " |\n|---|---|---|")
    for name in folders:
        for key, value in figures(Path(name)).items():
            print(f"| {Path(name).name} | {key} | {value:.3f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__,
        epilog="make test runs it on results/nlu-heldout and "
        "results/nlu-unseen and keeps the table in results/nlu-summary.md.",
    )
    parser.add_argument(
        "folders",
        nargs="+",
        metavar="FOLDER",
        help="a `rasa test nlu --out` folder (with intent_report.json)",
    )
    main(parser.parse_args().folders)
