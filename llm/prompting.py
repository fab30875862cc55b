"""Two-layer prompts (system + user) from the template files beside this module, within a token budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from llm.client import Message, estimate_tokens

PROMPTS_DIR = Path(__file__).resolve().parent / "prompts"


@dataclass(frozen=True)
class PromptDoc:
    source: str  # shown to the model and named in its answer, e.g. "Allergen policy"
    text: str


class Prompts:
    def __init__(
        self, *, restaurant: str, token_budget: int, max_sentences: int = 4, directory: Path = PROMPTS_DIR
    ) -> None:
        self._env = Environment(
            loader=FileSystemLoader(str(directory)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        self.token_budget = token_budget
        self._restaurant = restaurant
        self._max_sentences = max_sentences
        self._systems: dict[str, str] = {}
        self.system_text = self.system()

    def system(self, variant: str = "standard") -> str:
        """The system layer; `variant` (e.g. "warm") is what a prompt experiment's arm changes."""
        if variant not in self._systems:
            self._systems[variant] = (
                self._env.get_template("system.md.j2")
                .render(restaurant=self._restaurant, max_sentences=self._max_sentences, variant=variant)
                .strip()
            )
        return self._systems[variant]

    def messages(
        self, template: str, *, documents: Sequence[PromptDoc] = (), variant: str = "standard", **context: Any
    ) -> list[Message]:
        """System + user message; documents are added best-first while they fit the budget."""
        system = self.system(variant)

        def build(docs: Sequence[PromptDoc]) -> list[Message]:
            user = self._env.get_template(f"{template}.md.j2").render(documents=list(docs), **context).strip()
            return [{"role": "system", "content": system}, {"role": "user", "content": user}]

        chosen: list[PromptDoc] = []
        for doc in documents:
            trial = build([*chosen, doc])
            if estimate_tokens(trial) <= self.token_budget:
                chosen.append(doc)
                continue
            room = self.token_budget - estimate_tokens(build(chosen))
            if not chosen and room > 60:  # the best document alone is too long: keep its start
                chosen.append(PromptDoc(doc.source, _truncate(doc.text, (room - 20) * 4)))
            break
        return build(chosen)

    def documents_used(self, messages: list[Message], documents: Sequence[PromptDoc]) -> list[PromptDoc]:
        user = messages[-1]["content"]
        return [doc for doc in documents if f"[{doc.source}]" in user]


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    return cut[: cut.rfind(" ")] + " …" if " " in cut else cut
