"""Developer chat: `python -m llm chat [--fast] [--no-retrieval]`.

The seed's streaming terminal chat made real: the same system prompt, retrieval and token budget
as the assistant's answers; tokens print as Groq streams them; Ctrl-C stops an answer, Ctrl-C at
the prompt (or Ctrl-D) quits. Without GROQ_API_KEY it answers offline by quoting the best
document. After each answer it shows what the fact guard would have corrected before a guest saw it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import TYPE_CHECKING

from llm.client import LlmClient, LlmUnavailable, Message
from llm.config import LlmConfig
from llm.prompting import PromptDoc, Prompts

if TYPE_CHECKING:  # imported where used: no model or backend client loads before it is needed
    from llm.guard.facts import FactSheet
    from rag.retriever import Retriever

HISTORY_TURNS = 3


def _open_retriever() -> Retriever:
    """The embedded index is the action server's; when it is in use, read the snapshot it published
    for readers (rag/reading.py)."""
    from rag.config import RagConfig
    from rag.reading import open_retriever

    return open_retriever(RagConfig.from_env())


async def _backend_facts() -> tuple[str, FactSheet]:
    """Restaurant name and the guard's facts, from the backend (empty when it is not running)."""
    from actions.backend_client import BackendClient, BackendUnavailable
    from actions.llm_text import fact_sheet
    from actions.settings import get_settings

    settings = get_settings()  # the action server's backend address and token (README table)
    client = BackendClient(settings.backend_url, settings.backend_service_token, timeout_seconds=3)
    try:
        name = str((await client.restaurant()).get("name") or "our restaurant")
        return name, fact_sheet(await client.menu())
    except BackendUnavailable:
        print("(backend not reachable: prices and allergens cannot be checked)", file=sys.stderr)
        return "our restaurant", fact_sheet([])
    finally:
        await client.aclose()


async def _turn(
    client: LlmClient,
    prompts: Prompts,
    retriever: Retriever | None,
    history: list[Message],
    question: str,
    facts: FactSheet,
    fast: bool,
) -> None:
    documents: list[PromptDoc] = []
    if retriever is not None:
        from actions.settings import get_settings  # the assistant's own threshold (ANSWER_MIN_SCORE)

        min_score = get_settings().answer_min_score
        results = await retriever.asearch(question, top_k=4)
        documents = [PromptDoc(r.title, r.text) for r in results if r.score >= min_score]
        print(
            f"  [retrieved: {', '.join(d.source for d in documents) or 'nothing relevant'}]", file=sys.stderr
        )
    messages = prompts.messages("answer", documents=documents, question=question)
    messages = [messages[0], *history[-2 * HISTORY_TURNS :], messages[1]]
    answer = ""
    try:
        async for piece in client.stream(messages, fast=fast, conversation_id="cli"):
            answer += piece
            print(piece, end="", flush=True)
    except LlmUnavailable as reason:
        answer = f"(offline: {reason.reason}) " + (
            documents[0].text[:400] if documents else "I don't know that."
        )
        print(answer, end="")
    print()
    from llm.guard.pipeline import guard_reply

    checked = guard_reply(answer, facts, system_prompt=messages[0]["content"])
    for correction in checked.corrections:
        print(
            f"  [guard would correct {correction.kind}: {correction.original!r} → {correction.replacement!r}]",
            file=sys.stderr,
        )
    history += [{"role": "user", "content": question}, {"role": "assistant", "content": answer}]


def chat(fast: bool, use_retrieval: bool) -> int:
    """input() stays on the main thread and each answer runs on one shared event loop, so Ctrl-C
    during an answer cancels just that answer and Ctrl-C at the prompt quits."""
    loop = asyncio.new_event_loop()
    config = LlmConfig()
    client = LlmClient(config)
    restaurant, facts = loop.run_until_complete(_backend_facts())
    prompts = Prompts(restaurant=restaurant, token_budget=config.prompt_token_budget)
    retriever = _open_retriever() if use_retrieval else None
    model = config.fast_model if fast else config.model
    print(f"Chatting with {model} ({client.status}). Ctrl-C stops an answer; Ctrl-D quits.", file=sys.stderr)
    history: list[Message] = []
    while True:
        try:
            question = input("you> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            break
        if not question:
            continue
        task = loop.create_task(_turn(client, prompts, retriever, history, question[:2000], facts, fast))
        try:
            loop.run_until_complete(task)
        except KeyboardInterrupt:
            task.cancel()
            loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
            print("\n  [interrupted]", file=sys.stderr)
    usage = client.ledger.total
    print(
        f"{usage.requests} requests, {usage.prompt_tokens} prompt + {usage.completion_tokens} completion tokens, "
        f"${usage.cost_usd:.6f}",
        file=sys.stderr,
    )
    loop.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m llm", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    chat_parser = sub.add_parser(
        "chat", help="streaming terminal chat with the assistant's prompt and retrieval"
    )
    chat_parser.add_argument("--fast", action="store_true", help="use LLM_FAST_MODEL")
    chat_parser.add_argument("--no-retrieval", action="store_true", help="skip the index (no model load)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return chat(args.fast, not args.no_retrieval)


if __name__ == "__main__":
    sys.exit(main())
