"""Output guard for LLM text: money and allergens are never guessed.

`guard_reply` (pipeline.py) is the one pipeline every LLM text takes before a guest reads it
(production calls it through actions/llm_text.py, for whole replies and for the streamed preview
alike). The text is first made into the plain text the guest will see (plain.py), so the checks
run on exactly what is shown. Every price (in any currency, in digits or in words: money.py),
allergen and dietary claim (claims.py) is then checked against backend facts (facts.py, plain
dataclasses handed in by the caller) by check.py; a claim that does not match is replaced by the
backend's fact or the sentence is removed, as are offers and web addresses the backend did not
hand over (links.py). A reply that repeats the instructions is caught by leak.py, and the
personality pass (personality.py) tidies the phrasing. Knows nothing of Rasa, HTTP or the LLM
client. The input side (guest messages that try to override the rules) is llm/injection.py.
"""

from llm.guard.check import check_claims
from llm.guard.facts import Checked, Correction, DishFacts, FactSheet
from llm.guard.leak import leaks_instructions
from llm.guard.links import find_links
from llm.guard.money import find_amounts
from llm.guard.personality import Personality, apply_personality, load_personality
from llm.guard.pipeline import guard_reply
from llm.guard.plain import plain_text, strip_markdown
from llm.guard.sentences import split_sentences

__all__ = [
    "Checked",
    "Correction",
    "DishFacts",
    "FactSheet",
    "Personality",
    "apply_personality",
    "check_claims",
    "find_amounts",
    "find_links",
    "guard_reply",
    "leaks_instructions",
    "load_personality",
    "plain_text",
    "split_sentences",
    "strip_markdown",
]
