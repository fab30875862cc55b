"""Writes a reviewed conversation as a Rasa 3 conversation test (YAML), with corrections, masked."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from django.conf import settings

from .masking import mask

SKIP_ACTIONS = {"action_listen", "action_session_start"}


def annotate(text: str, entities: list[dict]) -> str:
    """`[text](entity)` annotations (JSON form when the value differs), personal data masked outside them."""
    out, pos = [], 0
    for e in sorted((e for e in entities if e.get("start") is not None), key=lambda e: e["start"]):
        start, end = int(e["start"]), int(e["end"])
        if start < pos or end > len(text):
            continue
        out.append(mask(text[pos:start]))
        span = mask(text[start:end])
        value = e.get("value")
        extra = {k: e[k] for k in ("role", "group") if e.get(k)}
        if (value is None or str(value) == text[start:end]) and not extra:
            out.append(f"[{span}]({e['entity']})")
        else:
            spec = {"entity": e["entity"], **({"value": str(value)} if value is not None else {}), **extra}
            out.append(f"[{span}]{json.dumps(spec)}")
        pos = end
    out.append(mask(text[pos:]))
    return "".join(out)


def story_yaml(sender_id: str, items: list[dict], name: str | None = None) -> str:
    steps: list[str] = []
    for item in items:
        kind = item.get("kind")
        if kind == "user":
            steps.append(f"      - user: {json.dumps(annotate(item['text'], item.get('entities') or []))}")
            steps.append(f"        intent: {item['intent']}")
        elif kind == "action" and item["name"] not in SKIP_ACTIONS:
            steps.append(f"      - action: {item['name']}")
        elif kind == "slot":
            value = item.get("value")
            value = mask(value) if isinstance(value, str) else value
            steps.append("      - slot_was_set:")
            steps.append(f"          - {item['name']}: {json.dumps(value)}")
        elif kind == "loop":  # a loop that ends has no name: Rasa writes `active_loop: null`
            steps.append(f"      - active_loop: {json.dumps(item['name'] or None)}")
    title = name or f"reviewed conversation {safe_id(sender_id)}"
    return (
        "\n".join(['version: "3.1"', "stories:", f"  - story: {json.dumps(title)}", "    steps:", *steps])
        + "\n"
    )


def safe_id(sender_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", sender_id)[:80] or "conversation"


def save_test(sender_id: str, items: list[dict], directory: str | None = None) -> Path:
    folder = Path(directory or settings.REVIEW_TESTS_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"test_review_{safe_id(sender_id)}.yml"
    path.write_text(story_yaml(sender_id, items), encoding="utf-8")
    return path


def step_count(items: list[dict[str, Any]]) -> int:
    return sum(1 for i in items if i.get("kind") == "user")
