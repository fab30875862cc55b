"""NLU inbox: guest messages not yet in the training data, most uncertain first, near-duplicates grouped."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

from .masking import mask
from .models import NLUDecision
from .tracker import as_text, parse_of, payload_of, tracker_rows

ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def normalise(text: str) -> str:
    text = ANNOTATION.sub(r"\1", text or "").lower()
    text = re.sub(r"[^\w\s€$£%'.-]+", " ", text)
    return re.sub(r"\s+", " ", text).strip(" .")


def training_texts(nlu_dir: str | None = None) -> set[str]:
    known: set[str] = set()
    for path in sorted(Path(nlu_dir or settings.REVIEW_NLU_DIR).glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            examples = block.get("examples") if isinstance(block, dict) else None
            if isinstance(examples, str):
                for line in examples.splitlines():
                    line = line.strip()
                    if line.startswith("- "):
                        known.add(normalise(line[2:]))
    return known


def candidates() -> list[dict[str, Any]]:
    known = training_texts()
    decided = set(NLUDecision.objects.values_list("normalized", flat=True))
    best: dict[str, dict[str, Any]] = {}
    for event_id, sender_id, data in tracker_rows(
        "SELECT id, sender_id, data FROM events WHERE type_name = 'user' ORDER BY id"
    ):
        payload = payload_of(data)
        text = as_text(payload.get("text")).strip()
        norm = normalise(text)
        if not norm or norm in known or norm in decided or text.startswith("/"):
            continue
        parse = parse_of(payload)
        top = parse["intent"]
        conf = top["confidence"] or 0.0
        second = next((r for r in parse["intent_ranking"] if r["name"] and r["name"] != top["name"]), None)
        margin = conf - (second["confidence"] or 0.0) if second else conf
        entry = {
            "event_id": event_id,
            "sender_id": sender_id,
            "text": text,
            "norm": norm,
            "masked": mask(text),
            "intent": top["name"],
            "confidence": conf,
            "margin": margin,
            "runner_up": second["name"] if second else "",
            "entities": [{k: e[k] for k in ("entity", "start", "end", "value")} for e in parse["entities"]],
            "uncertainty": min(conf, margin),
            "count": 1,
        }
        if norm in best:
            best[norm]["count"] += 1
            if entry["uncertainty"] < best[norm]["uncertainty"]:
                entry["count"] = best[norm]["count"]
                best[norm] = entry
        else:
            best[norm] = entry
    return sorted(best.values(), key=lambda e: (e["uncertainty"], e["event_id"]))


@lru_cache(maxsize=1)
def _embedder():
    from rag.embedder import shared_embedder  # the installed package; loads MiniLM on first use

    return shared_embedder()


def group(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Greedy grouping: each message joins the first group whose leader is similar enough (MiniLM cosine)."""
    if settings.REVIEW_GROUPING != "embeddings" or len(entries) < 2:
        return [[e] for e in entries]
    vectors = _embedder().embed_documents([e["norm"] for e in entries])
    import numpy as np

    matrix = np.asarray(vectors, dtype="float32")
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-9
    leaders: list[int] = []
    groups: list[list[dict[str, Any]]] = []
    for i, entry in enumerate(entries):
        if leaders:
            sims = matrix[leaders] @ matrix[i]
            j = int(sims.argmax())
            if sims[j] >= settings.REVIEW_GROUP_THRESHOLD:
                groups[j].append(entry)
                continue
        leaders.append(i)
        groups.append([entry])
    return groups


def candidate_groups(limit: int = 200) -> list[list[dict[str, Any]]]:
    return group(candidates()[:limit])


def decide(event_ids: list[int], op: str, intent: str, entities: dict[int, list] | None = None) -> int:
    """Records a decision for the candidates shown under these event ids (screens never carry the raw text)."""
    by_event = {c["event_id"]: c for c in candidates()}
    done = 0
    for event_id in event_ids:
        cand = by_event.get(event_id)
        if cand is None:
            continue
        norm = cand["norm"]
        if op == "delete":
            status, label = "deleted", cand["intent"]
        elif op == "out_of_scope":
            status, label = "out_of_scope", "out_of_scope"
        elif op in ("validate", "change_intent"):
            status, label = (
                "validated",
                (intent or cand["intent"]) if op == "change_intent" else cand["intent"],
            )
        else:
            continue
        ents = (entities or {}).get(event_id, cand["entities"])
        NLUDecision.objects.update_or_create(
            normalized=norm,
            defaults={
                "text": cand["text"],
                "intent": label,
                "entities": ents,
                "status": status,
                "exported": False,
            },
        )
        done += 1
    return done
