"""The leak check: a reply that repeats or talks about the model's instructions."""

from __future__ import annotations

import re

from llm.guard.sentences import fold

_LEAK_PHRASES = re.compile(
    r"\bsystem\s+(?:prompt|message|instructions?)\b|\bmy\s+(?:instructions|prompt|guidelines)\s+(?:are|say|tell)\b"
    r"|\bi(?:\s+was|\s+have\s+been|\s+am|'ve\s+been)\s+(?:instructed|programmed)\s+to\b|\bdeveloper\s+message\b"
    r"|\bhidden\s+instructions\b"
)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", fold(text))


def leaks_instructions(text: str, system_prompt: str, *, shingle: int = 8) -> bool:
    """True if `text` repeats `shingle` consecutive words of the prompt, or talks about its instructions.

    Pass the instruction part of the prompt, not the menu/policy facts injected into it (those may be
    quoted legitimately).
    """
    if _LEAK_PHRASES.search(fold(text)):
        return True
    prompt = _words(system_prompt)
    size = min(shingle, len(prompt))
    if size < 4:
        return False
    grams = {tuple(prompt[i : i + size]) for i in range(len(prompt) - size + 1)}
    words = _words(text)
    return any(tuple(words[i : i + size]) in grams for i in range(len(words) - size + 1))
