"""Answers to free questions: retrieval, then the LLM (or templates offline), then the fact check.
Knows nothing of Rasa: actions hand it the question and read the Answer."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from actions import metrics
from actions.backend_client import BackendClient, BackendUnavailable, MenuItem
from actions.llm_text import REFUSAL, fact_sheet, finish, preview
from llm.cache import AnswerCache
from llm.client import LlmClient, LlmUnavailable
from llm.guard.facts import FactSheet
from llm.guard.links import find_links
from llm.injection import looks_like_injection
from llm.prompting import PromptDoc, Prompts

if TYPE_CHECKING:
    from rag.retriever import Retriever

logger = logging.getLogger(__name__)

Mode = Literal["llm", "cached", "offline", "unknown", "refused"]


@dataclass
class Answer:
    text: str
    mode: Mode
    sources: list[str] = field(default_factory=list)

    @property
    def used_llm(self) -> bool:
        return self.mode in ("llm", "cached")


def unknown_reply(restaurant: dict[str, Any] | None) -> str:
    phone = (
        f" call us on {restaurant['phone']}"
        if restaurant and restaurant.get("phone")
        else " call the restaurant"
    )
    return f'I don\'t know that, sorry. A member of our team can help: say "talk to a person" or{phone}.'


def offline_reply(doc: PromptDoc) -> str:
    body = doc.text.split("\n", 1)[-1].strip()  # the chunk text repeats its title on the first line
    if len(body) > 320:
        body = body[:320].rsplit(" ", 1)[0] + " …"
    return f"From our {doc.source}: {body}"


def completed_sentences(text: str) -> str:
    """The part of a text still being written that ends with a finished sentence."""
    ends = [match.end() for match in re.finditer(r"[.!?…](?=\s)", text)]
    return text[: ends[-1]] if ends else ""


def money_amounts(restaurant: dict[str, Any] | None) -> list[Decimal]:
    """Amounts the restaurant publishes besides dish prices (delivery fees, minimum orders)."""
    amounts: list[Decimal] = []
    for zone in (restaurant or {}).get("delivery_zones", []):
        amounts += [Decimal(str(zone.get("fee", 0))), Decimal(str(zone.get("min_order", 0)))]
    return amounts


class Answerer:
    def __init__(
        self,
        *,
        backend: BackendClient,
        retriever: Retriever,
        llm: LlmClient,
        prompts: Prompts,
        cache: AnswerCache[Answer],
        min_score: float,
        top_k: int = 4,
    ) -> None:
        self.backend = backend
        self.retriever = retriever
        self.llm = llm
        self.prompts = prompts
        self.cache = cache
        self.min_score = min_score
        self.top_k = top_k

    async def relevant_documents(self, question: str, *, kinds: tuple[str, ...] = ()) -> list[PromptDoc]:
        from rag.retriever import SearchFilters  # the model loads lazily, on first search

        try:
            with metrics.RETRIEVAL_DURATION.time():
                results = await self.retriever.asearch(
                    question, top_k=self.top_k, filters=SearchFilters(kinds=kinds)
                )
        except Exception:
            logger.exception("retrieval failed; answering without documents")
            return []
        return [PromptDoc(result.title, result.text) for result in results if result.score >= self.min_score]

    async def answer(
        self,
        question: str,
        *,
        conversation_id: str,
        subject: MenuItem | None = None,
        publish: Callable[[str], None] | None = None,
        variant: str = "standard",
    ) -> Answer:
        """`publish`, when given, receives checked pieces of the answer while the LLM writes it."""
        question = " ".join(question.split())[:1000]
        if looks_like_injection(question):
            return Answer(REFUSAL, "refused")
        documents = await self.relevant_documents(question)
        restaurant = await self.restaurant_facts()
        if not documents:
            return Answer(unknown_reply(restaurant), "unknown")
        sources = [doc.source for doc in documents]
        if not self.llm.online:
            return Answer(offline_reply(documents[0]), "offline", sources[:1])
        key = self.cache.key(f"answer:{variant}", question, await self._menu_version())
        cached = self.cache.get(key) if subject is None else None
        if cached is not None:
            return Answer(cached.text, "cached", cached.sources)
        messages = self.prompts.messages("answer", documents=documents, question=question, variant=variant)
        used = [doc for doc in documents if f"[{doc.source}]" in messages[-1]["content"]]
        try:
            facts = fact_sheet(
                await self.backend.menu(),
                extra_amounts=money_amounts(restaurant),
                subject=subject,
                links=[link for doc in used for link in find_links(doc.text)],
            )
            raw = await self._write(messages, facts, conversation_id, publish, messages[0]["content"])
        except LlmUnavailable as reason:
            logger.warning(
                "llm unavailable (%s); offline answer",
                reason.reason,
                extra={"conversation_id": conversation_id},
            )
            return Answer(offline_reply(documents[0]), "offline", sources[:1])
        except BackendUnavailable:
            return Answer(offline_reply(documents[0]), "offline", sources[:1])
        if not raw:  # the model produced nothing usable (e.g. only reasoning)
            return Answer(offline_reply(documents[0]), "offline", sources[:1])
        text = finish(raw, facts, system_prompt=messages[0]["content"], conversation_id=conversation_id)
        if text != REFUSAL and not any(f"[{doc.source}]" in text or doc.source in text for doc in used):
            text = f"{text} (Source: {used[0].source if used else sources[0]})"
        answer = Answer(text, "llm", [doc.source for doc in used] or sources[:1])
        if subject is None:
            self.cache.put(key, answer)
        return answer

    async def _write(
        self,
        messages: list[dict[str, Any]],
        facts: FactSheet,
        conversation_id: str,
        publish: Callable[[str], None] | None,
        system_prompt: str,
    ) -> str:
        """The model's text. When streaming, the completed sentences go through the same guard as the
        final message (actions/llm_text.py:preview) before anything is published; the final message
        replaces the streamed preview."""
        if publish is None:
            return (await self.llm.complete(messages, conversation_id=conversation_id)).text
        raw, sent, checked_upto = "", "", ""
        async for piece in self.llm.stream(messages, conversation_id=conversation_id):
            raw += piece
            complete = completed_sentences(raw)
            if not complete or complete == checked_upto:  # check again only when a sentence was completed
                continue
            checked_upto = complete
            checked = preview(complete, facts, system_prompt=system_prompt)
            if checked.startswith(sent) and len(checked) > len(sent):
                publish(checked[len(sent) :])
                sent = checked
        return raw.strip()

    async def restaurant_facts(self) -> dict[str, Any] | None:
        try:
            return await self.backend.restaurant()
        except BackendUnavailable:
            return None

    async def _menu_version(self) -> str:
        try:
            return await self.backend.menu_version()
        except BackendUnavailable:
            return "unknown"
