"""Everything LLM text passes through before a guest reads it: backend facts, claim checks,
the instruction-leak check and the restaurant's personality."""
from __future__ import annotations

import logging
from decimal import Decimal
from functools import lru_cache
from typing import Iterable, Optional

from actions.backend_client import MenuItem
from llm.guard import DishFacts, FactSheet, Personality, apply_personality, check_claims, leaks_instructions, load_personality

logger = logging.getLogger(__name__)

REFUSAL = ("I can't change how I work or share my instructions, and prices are set by the restaurant. "
           "I'm happy to help with the menu, your order, or our opening hours!")


def dish_facts(item: MenuItem) -> DishFacts:
    return DishFacts(name=item.name, price=Decimal(item.price), currency=item.currency,
                     allergens=frozenset(item.allergens), dietary_tags=frozenset(item.dietary_tags),
                     option_deltas=tuple(Decimal(option.price_delta) for option in item.options if option.price_delta))


def fact_sheet(menu: Iterable[MenuItem], *, extra_amounts: Iterable[Decimal] = (),
               subject: Optional[MenuItem] = None) -> FactSheet:
    menu = list(menu)
    return FactSheet(dishes=tuple(dish_facts(item) for item in menu),
                     extra_amounts=tuple(Decimal(amount) for amount in extra_amounts),
                     currency=menu[0].currency if menu else "EUR",
                     subject=dish_facts(subject) if subject else None)


@lru_cache(maxsize=1)
def personality() -> Personality:
    return load_personality()


def finish(text: str, facts: FactSheet, *, system_prompt: str, conversation_id: Optional[str] = None) -> str:
    """Checked, corrected and phrased LLM text; a reply that leaks the instructions becomes a refusal."""
    if leaks_instructions(text, system_prompt):
        logger.warning("llm reply repeated its instructions; replaced", extra={"conversation_id": conversation_id})
        return REFUSAL
    checked = check_claims(text, facts)
    for correction in checked.corrections:
        logger.warning("llm claim corrected", extra={"conversation_id": conversation_id, "kind": correction.kind,
                                                      "original": correction.original[:200]})
    return apply_personality(checked.text, personality())
