"""Everything LLM text passes through before a guest reads it: the guard's one pipeline
(llm/guard/pipeline.py:guard_reply: plain text, backend facts, claim, offer and link checks, the
instruction-leak check and the restaurant's personality), with the facts built from backend data
(llm/guard/facts.py:DishFacts.from_item)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from actions.backend_client import MenuItem
from llm.guard.facts import DishFacts, FactSheet
from llm.guard.pipeline import guard_reply

logger = logging.getLogger(__name__)

REFUSAL = (
    "I can't change how I work or share my instructions, and prices are set by the restaurant. "
    "I'm happy to help with the menu, your order, or our opening hours!"
)


def fact_sheet(
    menu: Iterable[MenuItem],
    *,
    extra_amounts: Iterable[Decimal] = (),
    subject: MenuItem | None = None,
    links: Iterable[str] = (),
) -> FactSheet:
    """`links`: web addresses the backend handed the model (in documents or tool results); no other
    address reaches the guest."""
    menu = list(menu)
    return FactSheet(
        dishes=tuple(DishFacts.from_item(item) for item in menu),
        extra_amounts=tuple(Decimal(amount) for amount in extra_amounts),
        currency=menu[0].currency if menu else "EUR",
        subject=DishFacts.from_item(subject) if subject else None,
        links=tuple(links),
    )


def finish(text: str, facts: FactSheet, *, system_prompt: str, conversation_id: str | None = None) -> str:
    """The text the guest reads: guard_reply's; a reply that leaks the instructions becomes REFUSAL."""
    checked = guard_reply(text, facts, system_prompt=system_prompt, leak_text=REFUSAL)
    for correction in checked.corrections:
        if correction.kind == "leak":
            logger.warning(
                "llm reply repeated its instructions; replaced", extra={"conversation_id": conversation_id}
            )
        else:
            logger.warning(
                "llm claim corrected",
                extra={
                    "conversation_id": conversation_id,
                    "kind": correction.kind,
                    "original": correction.original[:200],
                },
            )
    return checked.text


def preview(text: str, facts: FactSheet, *, system_prompt: str) -> str:
    """The same pipeline for the part of an answer written so far (streamed to the widget): "" when
    nothing may be shown yet, never the fallback or the refusal."""
    return guard_reply(text, facts, system_prompt=system_prompt, partial=True).text
