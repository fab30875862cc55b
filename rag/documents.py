"""Indexable chunks: the common shape, plus Markdown documents under rag/docs/ split by headings.

Layout: rag/docs/<folder>/<name>.md, where the folder gives the kind (policies -> policy,
faqs -> faq, services -> service, dialogues -> dialogue) and the file name the category.
The first `# ` heading is the document title; every `##`/`###` section becomes one chunk whose
title is "Document title: Section" and whose text starts with that title (so the heading's words
count in the embedding).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Fixed namespace: point ids are uuid5(namespace, "<kind>:<source key>"), stable across rebuilds.
POINT_NAMESPACE = uuid.UUID("7f0c6c1e-3a52-5d51-9a8e-6b0f3c9a4d21")

KINDS = ("menu_item", "policy", "faq", "service", "dialogue")
FOLDER_KINDS = {"policies": "policy", "faqs": "faq", "services": "service", "dialogues": "dialogue"}

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def point_id(kind: str, source_key: str) -> str:
    return str(uuid.uuid5(POINT_NAMESPACE, f"{kind}:{source_key}"))


def sha256(value: Any) -> str:
    data = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


@dataclass
class Chunk:
    """One point in the index. `text` is what gets embedded; `extra` holds payload-only fields."""

    kind: str
    source_key: str
    title: str
    text: str
    category: str | None = None
    item_id: int | None = None
    dietary_tags: list[str] = field(default_factory=list)
    allergens: list[str] = field(default_factory=list)
    available: bool = True  # documents are always "available" so an availability filter keeps them
    price: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return point_id(self.kind, self.source_key)

    @property
    def content_hash(self) -> str:
        """Changes only when the embedded text changes: then (and only then) re-embed."""
        return sha256(self.text)

    def payload(self) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "kind": self.kind,
            "source_key": self.source_key,
            "title": self.title,
            "text": self.text,
            "category": self.category,
            "item_id": self.item_id,
            "dietary_tags": sorted(self.dietary_tags),
            "allergens": sorted(self.allergens),
            "available": self.available,
            "price": self.price,
            **self.extra,
            "content_hash": self.content_hash,
        }
        # Changes when anything in the payload changes (price, stock, availability...): then the
        # payload is rewritten without re-embedding.
        payload["payload_hash"] = sha256(payload)
        return payload


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


def chunk_markdown(markdown: str, *, kind: str, source: str, category: str) -> list[Chunk]:
    """Split one Markdown document into chunks at `##` and deeper headings."""
    doc_title = category.replace("-", " ").capitalize()
    sections: list[tuple[list[str], list[str]]] = []  # (heading path, body lines)
    path: list[tuple[int, str]] = []
    body: list[str] = []
    intro: list[str] = []

    def flush() -> None:
        text = "\n".join(body).strip()
        if path and text:
            sections.append(([title for _, title in path], [text]))

    for line in markdown.splitlines():
        match = _HEADING.match(line)
        if match:
            level, heading = len(match.group(1)), match.group(2)
            if level == 1:
                doc_title = heading
                continue
            flush()
            body = []
            path = [(lvl, title) for lvl, title in path if lvl < level] + [(level, heading)]
        elif path:
            body.append(line)
        else:
            intro.append(line)
    flush()

    chunks = []
    intro_text = "\n".join(intro).strip()
    if intro_text:
        sections.insert(0, ([], [intro_text]))
    seen: dict[str, int] = {}
    for headings, (text,) in sections:
        title = ": ".join([doc_title, " / ".join(headings)]) if headings else doc_title
        key = f"{source}#{_slug('/'.join(headings)) if headings else 'intro'}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:  # the same heading twice in a file: keep ids distinct and stable
            key = f"{key}-{seen[key]}"
        chunks.append(
            Chunk(
                kind=kind,
                source_key=key,
                title=title,
                text=f"{title}\n{text}",
                category=category,
                extra={"source": source},
            )
        )
    return chunks


def load_docs(docs_dir: str | Path) -> list[Chunk]:
    """All chunks of all Markdown documents, in a stable order."""
    root = Path(docs_dir)
    chunks: list[Chunk] = []
    for path in sorted(root.glob("*/*.md")):
        kind = FOLDER_KINDS.get(path.parent.name)
        if kind is None:
            continue
        source = path.relative_to(root).as_posix()
        chunks.extend(
            chunk_markdown(path.read_text(encoding="utf-8"), kind=kind, source=source, category=path.stem)
        )
    return chunks
