"""Text helpers every check shares: folding for matching, sentences and lines, reassembly."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable


def fold(text: str) -> str:
    """Lower-case, accents off, straight quotes/dashes; same length as the input (offsets stay valid)."""
    if text.isascii():
        return text.lower().replace("`", "'")
    out = []
    for char in text:
        if char in "\u2019\u2018`\u00b4":
            out.append("'")
        elif char in "\u2010\u2011\u2012\u2013\u2014":
            out.append("-")
        elif ord(char) < 128:
            out.append(char.lower())
        else:
            base = unicodedata.normalize("NFKD", char)[0].lower()
            out.append(base if len(base) == 1 else char)
    return "".join(out)


_ABBREVIATIONS = {
    "e.g",
    "i.e",
    "approx",
    "vs",
    "incl",
    "excl",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "ca",
    "cf",
    "nr",
}
_BOUNDARY = re.compile(r"(?P<end>[.!?\u2026]+[\"'\u201d\u2019)\]]*)(?P<ws>\s+)|(?P<nl>[ \t]*\n\s*)")


def split_segments(text: str) -> tuple[str, list[list[str]]]:
    """Split into [sentence, separator] pairs; lines are sentences too. Not on `e.g.` or `12.50`."""
    lead = text[: len(text) - len(text.lstrip())]
    segments: list[list[str]] = []
    start = len(lead)
    for match in _BOUNDARY.finditer(text, start):
        if match.group("end"):
            separator = match.group("ws")
            end_mark = match.group("end").rstrip("\"'\u201d\u2019)]")
            if end_mark == "." and "\n" not in separator:
                word = re.search(r"([A-Za-z][A-Za-z.]*)$", text[start : match.start()])
                following = text[match.end() : match.end() + 1]
                if word and (
                    word.group(1).lower() in _ABBREVIATIONS
                    or re.fullmatch(r"(?:[a-z]\.)+[a-z]", word.group(1).lower())
                ):
                    continue
                if following.islower() or following.isdigit():
                    continue
            sentence_end = match.start("ws")
        else:
            separator = match.group("nl")
            sentence_end = match.start()
        sentence = text[start:sentence_end]
        if sentence:
            segments.append([sentence, separator])
        elif segments:
            segments[-1][1] += separator
        start = match.end()
    if start < len(text):
        segments.append([text[start:], ""])
    return lead, segments


def split_sentences(text: str) -> list[str]:
    """The sentences (and lines) of a text, without their separators."""
    return [sentence for sentence, _ in split_segments(text)[1]]


def join_segments(lead: str, segments: list[list[str]], removed: set[int]) -> str:
    """Reassemble, dropping removed segments but keeping the strongest line break around them."""
    kept: list[list[str]] = []
    for index, (sentence, separator) in enumerate(segments):
        if index in removed:
            if kept and separator.count("\n") > kept[-1][1].count("\n"):
                kept[-1][1] = separator
            continue
        kept.append([sentence, separator])
    if not kept:
        return ""
    if segments and (len(segments) - 1) in removed:
        kept[-1][1] = segments[-1][1]
    return lead + "".join(sentence + separator for sentence, separator in kept)


BULLET = re.compile(r"^\s*(?:[\u2022\-*]|\d+[.)])\s+")


def collapse_spaces(text: str) -> str:
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def alternation(words: Iterable[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(word).replace(r"\ ", r"[\s-]+") for word in ordered)
