"""Exports: validated NLU examples into data/nlu/reviewed.yml, flagged LLM replies as JSON lines."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from .masking import mask
from .models import MessageFlag, NLUDecision
from .nlu import normalise, training_texts
from .stories import annotate
from .tracker import as_dict, as_text, payload_of, tracker_rows

EVAL_LABELS = {"wrong_fact", "unsafe", "off_tone", "good"}
HEADER = (
    "# Written by the review tool (backend/apps/review); examples staff validated from real conversations.\n"
)


def _domain() -> dict[str, Any]:
    return yaml.safe_load((Path(settings.REPO_DIR) / "domain.yml").read_text(encoding="utf-8")) or {}


def known_intents() -> list[str]:
    return [i if isinstance(i, str) else next(iter(i)) for i in _domain().get("intents") or []]


def _nlu_annotate(text: str, entities: list[dict]) -> str:
    # Placeholders without brackets, so they never read as entity annotations.
    out = annotate(text, entities)
    for token, word in (
        ("[email]", "EMAIL"),
        ("[phone]", "PHONE"),
        ("[card]", "CARDNUMBER"),
        ("[address]", "ADDRESS"),
    ):
        out = out.replace(token, word)
    return out


def read_nlu_export(target: Path) -> dict[str, list[str]]:
    """The examples of the export file, per intent (empty when there is no file yet)."""
    existing: dict[str, list[str]] = {}
    if target.exists():
        for block in (yaml.safe_load(target.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            existing[block["intent"]] = [
                line.strip()[2:] for line in block["examples"].splitlines() if line.strip().startswith("- ")
            ]
    return existing


def write_nlu_export(target: Path, examples: dict[str, list[str]]) -> None:
    lines = [HEADER, 'version: "3.1"\n', "nlu:\n"]
    for intent in sorted(examples):
        if examples[intent]:
            lines.append(f"- intent: {intent}\n  examples: |\n")
            lines.extend(f"    - {ex}\n" for ex in examples[intent])
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(lines), encoding="utf-8")


def nlu_line(text: str, entities: list[dict]) -> str:
    """A decision's text as an example line of the export file."""
    return _nlu_annotate(text, entities)


def export_nlu(path: str | None = None) -> int:
    target = Path(path or settings.REVIEW_NLU_EXPORT_FILE)
    intents = set(known_intents())
    entity_names = {e if isinstance(e, str) else next(iter(e)) for e in _domain().get("entities") or []}
    existing = read_nlu_export(target)
    known = training_texts(str(target.parent))
    added = 0
    exported = []
    for decision in NLUDecision.objects.filter(
        status__in=["validated", "out_of_scope"], exported=False
    ).order_by("id"):
        exported.append(decision.pk)
        if decision.intent not in intents:
            continue
        ents = [e for e in decision.entities or [] if e.get("entity") in entity_names]
        line = _nlu_annotate(decision.text, ents)
        norm = normalise(line)
        if norm in known:
            continue
        known.add(norm)
        existing.setdefault(decision.intent, []).append(line)
        added += 1
    if added or (not target.exists() and existing):
        write_nlu_export(target, existing)
    NLUDecision.objects.filter(pk__in=exported).update(exported=True)
    return added


def _event(event_id: int) -> tuple | None:
    rows = tracker_rows("SELECT id, sender_id, data FROM events WHERE id = %s", [event_id])
    return rows[0] if rows else None


def llm_eval_cases() -> list[dict[str, Any]]:
    cases = []
    for flag in MessageFlag.objects.filter(label__in=EVAL_LABELS).order_by("event_id", "label"):
        row = _event(flag.event_id)
        if row is None:
            continue
        payload = payload_of(row[2])
        if payload.get("event") != "bot":
            continue
        meta, data = as_dict(payload.get("metadata")), as_dict(payload.get("data"))
        custom = as_dict(data.get("custom"))
        context = (
            meta.get("retrieved_context") or data.get("retrieved_context") or custom.get("retrieved_context")
        )
        question = tracker_rows(
            "SELECT data FROM events WHERE sender_id = %s AND type_name = 'user' AND id < %s ORDER BY id DESC LIMIT 1",
            [row[1], row[0]],
        )
        qtext = as_text(payload_of(question[0][0]).get("text")) if question else ""
        cases.append(
            {
                "question": mask(qtext),
                "context": mask_context(context),
                "reply": mask(as_text(payload.get("text"))),
                "label": flag.label,
                "llm_generated": bool(
                    meta.get("llm_generated") or data.get("llm_generated") or custom.get("llm_generated")
                ),
                "source": f"review:{flag.event_id}",
            }
        )
    return cases


def mask_context(context: Any) -> Any:
    if context is None:
        return None
    if isinstance(context, str):
        return mask(context)
    if isinstance(context, list):
        return [mask_context(c) for c in context]
    if isinstance(context, dict):
        return {k: mask_context(v) for k, v in context.items()}
    return context


def export_llm_eval(path: str | None = None) -> int:
    target = Path(path or settings.REVIEW_LLM_EVAL_FILE)
    cases = llm_eval_cases()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8")
    return len(cases)


def export_all(nlu_path: str | None = None, llm_path: str | None = None) -> dict[str, Any]:
    return {"nlu_examples_added": export_nlu(nlu_path), "llm_eval_cases": export_llm_eval(llm_path)}
