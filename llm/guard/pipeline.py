"""The one pipeline every LLM text takes before a guest reads it: leak, plain text, claims, personality."""

from __future__ import annotations

from llm.guard.check import check_claims
from llm.guard.facts import Checked, Correction, FactSheet
from llm.guard.leak import leaks_instructions
from llm.guard.personality import Personality, default_personality, house_style, trim
from llm.guard.plain import plain_text


def guard_reply(
    text: str,
    facts: FactSheet,
    *,
    system_prompt: str | None = None,
    personality: Personality | None = None,
    leak_text: str | None = None,
    partial: bool = False,
) -> Checked:
    """What the guest may read of an LLM text: the one pipeline every reply (and streamed preview) takes.

    1. A reply that repeats the instructions becomes `leak_text` (default: the personality's fallback).
    2. It is turned into the plain text the guest would see (`plain_text`) and given the house style,
       so that every check below runs on the very characters shown.
    3. Money, offers, allergen and dietary claims and web addresses are checked (`check_claims`).
    4. It is cut to the personality's length, and checked again until the check changes nothing
       (removing a sentence can change what "it" refers to).
    Nothing left gives the fallback text; with `partial` (a preview while the LLM still writes) it
    gives "" instead, and no fallback or leak text is ever shown as a preview.
    """
    personality = personality or default_personality()
    plain = house_style(plain_text(text), personality)
    if system_prompt and (
        leaks_instructions(text, system_prompt) or leaks_instructions(plain, system_prompt)
    ):
        shown = "" if partial else (leak_text or personality.fallback_text)
        return Checked(shown, [Correction("leak", text, None)])
    checked = check_claims(plain, facts)
    corrections = list(checked.corrections)
    shown = trim(checked.text, personality)
    for _ in range(3):
        again = check_claims(shown, facts)
        if not again.changed:
            break
        corrections += again.corrections
        shown = trim(again.text, personality)
    else:
        shown = ""  # it never settled: show nothing rather than an unchecked text
    if not shown:
        shown = "" if partial else personality.fallback_text
    return Checked(shown, corrections)
