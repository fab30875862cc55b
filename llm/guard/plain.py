"""The plain text a guest sees: entities decoded, invisible characters gone, markdown rendered."""

from __future__ import annotations

import html
import re
import unicodedata

from markdown_it import MarkdownIt

from llm.guard.money import SIGN
from llm.guard.sentences import collapse_spaces

_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("strikethrough")
_MARKDOWN_CHARS = re.compile(r"[*_`\[\]<>&\\~!]")
_KEYCAP = frozenset("\ufe0e\ufe0f\u20e3")
_KEEP_AS_IS = frozenset("\u2026\u2022\u2013\u2014\u2018\u2019\u201c\u201d")  # … • – — ‘ ’ “ ”


def _plain_chars(text: str) -> str:
    """What the guest's screen shows, character by character: no invisible characters (zero-width
    spaces, soft hyphens, direction marks), one kind of space, ASCII digits and ASCII look-alikes
    (fullwidth `９`, `＄`) as ASCII. Emoji, accents, € and the like stay."""
    out: list[str] = []
    for char in text.replace("\r\n", "\n").replace("\r", "\n"):
        category = unicodedata.category(char)
        if char in _KEYCAP and out and out[-1][-1:] in "0123456789#*":
            continue  # "9\ufe0f\u20e3" (a keycap emoji) reads as 9
        if char in "\n\t" or (char.isascii() and category != "Cc"):
            out.append(char)
        elif category in ("Cf", "Cc", "Cs", "Co", "Cn"):
            continue
        elif category in ("Zl", "Zp"):
            out.append("\n")
        elif category == "Zs":
            out.append(" ")
        elif category == "Nd":
            out.append(str(unicodedata.decimal(char)))
        elif char in _KEEP_AS_IS:
            out.append(char)
        else:
            compat = unicodedata.normalize("NFKC", char)
            out.append(compat if len(compat) == 1 and compat.isascii() and compat.isprintable() else char)
    return "".join(out)


def _inline_plain(line: str) -> str:
    """One line's inline markdown (emphasis, code, links, images, HTML tags, escapes, entities) as the
    text a markdown renderer shows; link targets are dropped, autolinks keep their address."""
    if not _MARKDOWN_CHARS.search(line):
        return line
    out: list[str] = []
    for token in _MARKDOWN.parseInline(line):
        for child in token.children or []:
            if child.type in ("text", "code_inline", "image"):
                out.append(child.content)
            elif child.type in ("softbreak", "hardbreak"):
                out.append("\n")
    return "".join(out)


def _strip_once(text: str) -> str:
    lines = []
    for line in text.splitlines():
        if re.match(r"^\s*(?:```|~~~)", line) or re.fullmatch(r"\s*([-*_])(?:\s*\1){2,}\s*", line):
            continue
        line = re.sub(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$", r"\1", line)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = re.sub(r"^(\s*)[*+]\s+", r"\1• ", line)
        bullet = re.match(r"^\s*(?:[\u2022-]|\d+[.)])\s+", line)  # a list marker is not markdown to render
        head = bullet.group(0) if bullet else ""
        lines.append(head + _inline_plain(line[len(head) :]))
    return "\n".join(lines).replace("**", "").replace("__", "")


def strip_markdown(text: str) -> str:
    """Plain text for the chat: no emphasis, headings, code fences, HTML or links; `•`/`-` bullets stay.

    Stripped until nothing changes, so what is left reads the same in a widget that renders markdown
    and in one that shows text (`\\*\\*€\\*\\*3` is `€3` either way)."""
    for _ in range(5):
        stripped = _strip_once(text)
        if stripped == text:
            break
        text = stripped
    return text


def plain_text(text: str) -> str:
    """The text exactly as the guest will read it, before any check: entities decoded, invisible
    characters gone, markdown rendered to plain text, a currency sign joined to the amount on the
    next line, runs of spaces collapsed."""
    text = strip_markdown(_plain_chars(html.unescape(_plain_chars(text))))
    text = re.sub(r"(" + SIGN + r")[^\S\n]*\n\s*(?=\d)", r"\1", text)
    text = re.sub(r"(\d)[^\S\n]*\n\s*(?=" + SIGN + r")", r"\1 ", text)
    return collapse_spaces(text)
