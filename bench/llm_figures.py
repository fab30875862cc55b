"""LLM figures for the note: prompt tokens per LLM turn, estimated Groq cost per completed order,
and the latency the action server adds around the LLM call.

Runs the real stack with its real groq SDK pointed at the local Groq wire-format server from the
tests, answering instantly (so every millisecond measured is ours, not the model's). Token counts
are estimated at 4 characters per token, tool definitions included: Groq's gpt-oss tokenizer
(o200k) cannot be loaded offline here. It prints figures and never fails on time.

    .venv/bin/python -m bench.llm_figures [--questions 40]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
from llm.config import LlmConfig  # noqa: E402
from tests.conftest import LLM_TEST_ENV  # noqa: E402
from tests.fakes import host_brain  # noqa: E402
from tests.fakes.groq_server import FakeGroq  # noqa: E402
from tests.stack import Stack, benchmark_stack, new_sender  # noqa: E402

MOODS = [
    "I'm stressed, what should I eat?",
    "something cozy please",
    "I feel adventurous, surprise me",
    "we're celebrating tonight!",
    "I'm starving, what's filling?",
    "I want something light",
    "feeling a bit sad today",
    "I'm happy, recommend something",
]
UNPLACEABLE = [
    "hmm so basically the thing with the stuff, like before",
    "the purple elephant sings at midnight",
    "blorp zizzle wibble fnord",
    "qwertyuiop asdfghjkl",
]
# Completion tokens assumed per call (answer text or JSON plus gpt-oss's low-effort reasoning);
# the worst case uses the configured cap.
TYPICAL_COMPLETION_TOKENS = 150


def prompt_tokens(body: dict) -> int:
    text = sum(
        len(str(m.get("content") or "")) + len(json.dumps(m.get("tool_calls") or ""))
        for m in body["messages"]
    )
    tools = len(json.dumps(body.get("tools") or []))
    return math.ceil((text + tools) / 4) + 4 * len(body["messages"])


def kind(body: dict) -> str:
    if body.get("tools"):
        return "free-form (tools)"
    if body.get("response_format"):
        return "recommendation"
    return "answer"


def say(client: httpx.Client, stack: Stack, sender: str, text: str) -> float:
    started = time.perf_counter()
    client.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": text}
    ).raise_for_status()
    return (time.perf_counter() - started) * 1000


def chat(client: httpx.Client, stack: Stack, sender: str, text: str) -> str:
    """One guest turn that answers "Did you mean ...?" with yes and a size question with the first size."""

    def send(message: str) -> str:
        response = client.post(
            f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
        )
        return "\n".join(m.get("text", "") for m in response.json())

    reply = send(text)
    if reply.startswith("Did you mean"):
        reply = send("yes")
    if "Which size" in reply:
        reply = send("regular")
    return reply


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=100)
    args = parser.parse_args()
    questions = [
        q["q"] for q in yaml.safe_load((ROOT / "tests/data/retrieval_questions.yml").read_text())["questions"]
    ]
    config = LlmConfig()
    prices = config.prices()[config.model]
    with FakeGroq() as fake:
        fake.responder = host_brain.respond
        with benchmark_stack(**LLM_TEST_ENV, GROQ_BASE_URL=fake.url, LLM_CACHE_TTL_SECONDS="0.001") as stack:
            with httpx.Client(timeout=60) as client:
                say(client, stack, new_sender(), "do you do catering?")  # warm-up: loads the embedding model
                fake.reset()
                fake.responder = host_brain.respond
                llm_turns, plain_turns = [], []
                for text in questions[: args.questions] + MOODS + UNPLACEABLE:
                    before = len(fake.chat_requests)
                    elapsed = say(client, stack, new_sender(), text)
                    (llm_turns if len(fake.chat_requests) > before else plain_turns).append(elapsed)
                bodies = [r.body for r in fake.chat_requests]
                baseline = [
                    say(client, stack, new_sender(), "how much is the tomato soup?") for _ in range(20)
                ]

                # one completed order: recommendation → add it → a policy question → checkout → yes
                fake.reset()
                fake.responder = host_brain.respond
                sender = new_sender()
                transcript = []
                for text in [
                    "I'm stressed, what should I eat?",
                    "add the first one",
                    "how do refunds work?",
                    "checkout",
                    "pickup",
                    "asap",
                    "I'll pay at the counter",
                    "yes",
                ]:
                    transcript.append(f"you> {text}\nbot> {chat(client, stack, sender, text)}")
                order_bodies = [r.body for r in fake.chat_requests]
                placed = stack.slots(sender).get("checkout_stage")

    tokens = [prompt_tokens(body) for body in bodies]
    print(
        f"LLM requests measured: {len(bodies)} ({', '.join(f'{k}: {sum(kind(b) == k for b in bodies)}' for k in ['answer', 'recommendation', 'free-form (tools)'])})"
    )
    print(
        f"prompt tokens per LLM request: median {statistics.median(tokens):.0f}, max {max(tokens)}, budget {config.prompt_token_budget}"
    )
    for name in ["answer", "recommendation", "free-form (tools)"]:
        subset = [prompt_tokens(b) for b in bodies if kind(b) == name]
        if subset:
            print(f"  {name:18} median {statistics.median(subset):6.0f}  max {max(subset):6d}")
    print(f"\nturns answered with the LLM: {len(llm_turns)}, without: {len(plain_turns)}")
    print(
        f"REST turn with an instant LLM: p50 {statistics.median(llm_turns):.0f} ms, max {max(llm_turns):.0f} ms"
    )
    print(f"REST turn, dish question (backend only, no LLM): p50 {statistics.median(baseline):.0f} ms")
    print(
        f"=> latency added around the LLM call (retrieval, prompt, guard; LLM time ~0): "
        f"~{statistics.median(llm_turns) - statistics.median(baseline):.0f} ms at p50"
    )
    order_prompt = sum(prompt_tokens(b) for b in order_bodies)
    calls = len(order_bodies)
    typical = prices[0] * order_prompt + prices[1] * TYPICAL_COMPLETION_TOKENS * calls
    worst = prices[0] * order_prompt + prices[1] * config.max_completion_tokens * calls
    if placed != "placed":
        print("\n".join(transcript))
    print(
        f"\ncompleted order conversation (order placed: {placed == 'placed'}): {calls} LLM calls, {order_prompt} prompt tokens"
    )
    print(
        f"estimated Groq cost per completed order at {config.model} list prices: "
        f"${typical:.6f} typical ({TYPICAL_COMPLETION_TOKENS} completion tokens per call), "
        f"${worst:.6f} worst case ({config.max_completion_tokens} per call); target $0.001"
    )


if __name__ == "__main__":
    main()
