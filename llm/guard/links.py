"""Web and e-mail addresses: only those the backend handed the model may be shown."""

from __future__ import annotations

import re

from linkify_it import LinkifyIt

from llm.guard.facts import FactSheet

_LINKIFY = LinkifyIt()
_ADDRESS = re.compile(
    r"(?i)\b(?:https?|ftp|mailto|tel|javascript|data):\S+|\bwww\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
)


def _link_key(link: str) -> str:
    link = link.strip().rstrip(".,;:!?)]}'\"").lower()
    link = re.sub(r"^(?:https?:)?//", "", link)
    return re.sub(r"^www\.", "", link).rstrip("/")


def find_links(text: str) -> list[str]:
    """Web and e-mail addresses in a text, as written (what a chat widget may turn into a link)."""
    found: list[tuple[int, int]] = []
    for match in _LINKIFY.match(text) or []:
        found.append((match.index, match.last_index))
    for match in _ADDRESS.finditer(text):
        if not any(start < match.end() and match.start() < end for start, end in found):
            found.append((match.start(), match.end()))
    return [text[start:end].rstrip(".,;:!?)]}'\"") for start, end in sorted(found)]


def foreign_links(sentence: str, facts: FactSheet) -> list[str]:
    allowed = {_link_key(link) for link in facts.links}
    return [link for link in find_links(sentence) if _link_key(link) not in allowed]
