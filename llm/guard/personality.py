"""The personality pass: the restaurant's house style and length (llm/personality.yml)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from llm.guard.plain import plain_text
from llm.guard.sentences import collapse_spaces, fold, join_segments, split_segments

PERSONALITY_FILE = Path(__file__).resolve().parents[1] / "personality.yml"


@dataclass
class Personality:
    """House style applied to every LLM answer (edited in llm/personality.yml)."""

    name: str = "Harbour & Hearth"
    tone: list[str] = field(default_factory=list)
    replacements: dict[str, str] = field(default_factory=dict)
    banned_phrases: list[str] = field(default_factory=list)
    max_sentences: int = 6
    max_chars: int = 700
    fallback_text: str = "Sorry, I'm not sure about that. Would you like me to ask a member of our team?"


def load_personality(path: Path = PERSONALITY_FILE) -> Personality:
    """Read the personality file; unknown keys are an error so typos do not pass silently."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a mapping")
    known = set(Personality.__dataclass_fields__)
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"{path}: unknown keys {sorted(unknown)}")
    personality = Personality(**data)
    personality.tone = [str(note) for note in personality.tone or []]
    personality.replacements = {str(k): str(v) for k, v in (personality.replacements or {}).items()}
    personality.banned_phrases = [str(phrase) for phrase in personality.banned_phrases or []]
    personality.max_sentences = int(personality.max_sentences)
    personality.max_chars = int(personality.max_chars)
    if personality.max_sentences < 1 or personality.max_chars < 40 or not personality.fallback_text.strip():
        raise ValueError(f"{path}: max_sentences >= 1, max_chars >= 40 and a fallback_text are required")
    return personality


@lru_cache(maxsize=1)
def default_personality() -> Personality:
    return load_personality()


def _case_like(template: str, word: str) -> str:
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def house_style(text: str, personality: Personality) -> str:
    """No banned phrases, the house words; whitespace collapsed."""
    banned = [re.sub(r"\s+", " ", fold(phrase)).strip() for phrase in personality.banned_phrases]
    lead, segments = split_segments(text)
    folded = [re.sub(r"\s+", " ", fold(sentence)) for sentence, _ in segments]
    removed = {
        index
        for index, sentence in enumerate(folded)
        if any(phrase and phrase in sentence for phrase in banned)
    }
    text = join_segments(lead, segments, removed)
    if personality.replacements:
        table = {key.lower(): value for key, value in personality.replacements.items()}
        pattern = re.compile(
            r"\b(?:" + "|".join(re.escape(key) for key in sorted(table, key=len, reverse=True)) + r")\b",
            re.IGNORECASE,
        )
        text = pattern.sub(lambda m: _case_like(m.group(0), table[m.group(0).lower()]), text)
    return collapse_spaces(text)


def trim(text: str, personality: Personality) -> str:
    """At most max_sentences whole sentences and max_chars characters."""
    _lead, segments = split_segments(text)
    kept: list[list[str]] = []
    length = 0
    for sentence, separator in segments[: personality.max_sentences]:
        if length + len(sentence) > personality.max_chars:
            if not kept:  # one huge sentence: cut at a word boundary
                cut = sentence[: personality.max_chars - 1].rsplit(" ", 1)[0].rstrip(" ,;:")
                kept.append([cut + "\u2026", ""])
            break
        kept.append([sentence, separator])
        length += len(sentence) + len(separator)
    return "".join(sentence + separator for sentence, separator in kept).strip()


def apply_personality(text: str, personality: Personality) -> str:
    """Plain text, no banned phrases, house words, at most max_sentences/max_chars; fallback if empty."""
    return trim(house_style(plain_text(text), personality), personality) or personality.fallback_text
