"""Taking erased guests out of the review tool's exported files (data/nlu/reviewed.yml, the LLM evaluation
JSON lines, saved conversation tests). Exports are masked, but names and free text can remain.

Only the working copies change: copies already committed to git or sent elsewhere keep the lines until
those files are committed again (and older commits keep them for good); the erasure report says so.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from django.conf import settings

from .exporting import nlu_line, read_nlu_export, write_nlu_export
from .models import NLUDecision
from .nlu import normalise
from .stories import safe_id


def remove_nlu_examples(decisions: Iterable[NLUDecision], path: str | None = None) -> int:
    """Removes the example lines written from these (deleted) decisions; returns how many went."""
    target = Path(path or settings.REVIEW_NLU_EXPORT_FILE)
    # The line as exported (with or without the entity annotations the domain allowed at the time).
    norms = {normalise(nlu_line(d.text, ents)) for d in decisions for ents in (d.entities or [], [])}
    if not norms or not target.exists():
        return 0
    examples = read_nlu_export(target)
    kept = {
        intent: [line for line in lines if normalise(line) not in norms] for intent, lines in examples.items()
    }
    removed = sum(len(lines) for lines in examples.values()) - sum(len(lines) for lines in kept.values())
    if removed:
        write_nlu_export(target, kept)
    return removed


def remove_llm_eval_cases(event_ids: Iterable[int], path: str | None = None) -> int:
    """Removes the evaluation cases made from these tracker events (`"source": "review:<event id>"`)."""
    target = Path(path or settings.REVIEW_LLM_EVAL_FILE)
    sources = {f"review:{event_id}" for event_id in event_ids}
    if not sources or not target.exists():
        return 0
    kept, removed = [], 0
    for line in target.read_text(encoding="utf-8").splitlines(keepends=True):
        try:
            source = json.loads(line).get("source") if line.strip() else None
        except (ValueError, AttributeError):
            source = None
        if source in sources:
            removed += 1
        else:
            kept.append(line)
    if removed:
        target.write_text("".join(kept), encoding="utf-8")
    return removed


def remove_saved_tests(sender_ids: Iterable[str], directory: str | None = None) -> int:
    """Deletes the conversation tests saved from these conversations (`test_review_<id>.yml`)."""
    folder = Path(directory or settings.REVIEW_TESTS_DIR)
    removed = 0
    for sender_id in set(sender_ids):
        path = folder / f"test_review_{safe_id(sender_id)}.yml"
        if path.is_file():
            path.unlink()
            removed += 1
    return removed
