"""Latency of non-LLM turns through Rasa's REST channel, of a whole 20-turn ordering conversation,
and throughput with 20 guests at once.

Starts the real stack (as the e2e tests do) on free loopback ports, warms it up, then prints
figures. It never fails on time: benchmarks report, tests judge.

    .venv/bin/python -m bench.rest_latency [--turns 200] [--conversations 10] [--guests 20] [--seconds 20]
        [--model PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from pathlib import Path

import httpx

from bench.processes import resident_mib
from tests.stack import Stack, benchmark_stack, new_sender

TURNS = {
    "greet (rule + action_greet: the experiment picks the copy)": "hi there",
    "view cart (custom action + backend call)": "what's in my cart?",
    "dish question (custom action + menu + fresh dish read)": "how much is the tomato soup?",
    # The NLU remembers the sentence vectors of repeated messages; this turn never repeats its words
    # ("... 17"), so it pays the encoder's full pass every time.
    "view cart, new words each turn (full NLU encoder pass)": "what's in my cart? {turn}",
}


# A guest who browses, orders, changes the order, checks out and pays at the counter (issue 17's
# "20-turn ordering conversation": target per-turn p50 <= 50 ms). A size answer the bot did not ask
# for is still a turn the assistant has to understand.
ORDERING = [
    "hi",
    "show me the menu",
    "what soups do you have?",
    "one tomato soup please",
    "regular",
    "a flat white",
    "regular",
    "is the tomato soup vegan?",
    "what's in my cart?",
    "make it two tomato soups",
    "add a green tea",
    "regular",
    "remove the green tea",
    "checkout",
    "pickup",
    "as soon as possible",
    "pay at the counter",
    "yes",
    "what's the status of my order?",
    "thanks",
]


def measure_conversations(stack: Stack, script: list[str], conversations: int) -> list[float]:
    """Wall milliseconds of every turn of `conversations` guests holding `script`, one after the other."""
    timings = []
    with httpx.Client(timeout=30) as client:
        for _ in range(conversations):
            sender = new_sender()
            for message in script:
                start = time.perf_counter()
                client.post(
                    f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
                ).raise_for_status()
                timings.append((time.perf_counter() - start) * 1000)
    return timings


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def measure_sequential(stack: Stack, text: str, turns: int, turns_per_conversation: int = 10) -> list[float]:
    """Real conversations are short: a new guest every few turns keeps trackers realistic."""
    timings = []
    with httpx.Client(timeout=30) as client:
        for turn in range(turns):
            if turn % turns_per_conversation == 0:
                sender = new_sender()
            start = time.perf_counter()
            message = text.format(turn=turn)
            client.post(
                f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message}
            ).raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)
    return timings


# channels/limits.py's RATE_NOTICE (the channels' module needs the Rasa environment): a refusal, not a turn
RATE_NOTICE_START = "You're sending messages faster than I can read them"


async def measure_concurrent(
    stack: Stack, guests: int, seconds: float, turns_per_conversation: int = 10
) -> tuple[int, int, int, float]:
    """Full turns answered per second with `guests` sending at once, each starting a new conversation
    every `turns_per_conversation` messages (as a guest would, and under the per-conversation rate
    limit, whose refusals are counted apart: they cost the server almost nothing)."""
    deadline = time.perf_counter() + seconds
    done = refused = errors = 0

    async def guest() -> None:
        nonlocal done, refused, errors
        turn = 0
        async with httpx.AsyncClient(timeout=30) as client:
            while time.perf_counter() < deadline:
                if turn % turns_per_conversation == 0:
                    sender = new_sender()
                turn += 1
                try:
                    response = await client.post(
                        f"{stack.rasa_url}/webhooks/rest/webhook",
                        json={"sender": sender, "message": "hi there"},
                    )
                    response.raise_for_status()
                except httpx.HTTPError:
                    errors += 1
                    continue
                texts = [message.get("text") or "" for message in response.json()]
                if any(text.startswith(RATE_NOTICE_START) for text in texts):
                    refused += 1
                else:
                    done += 1

    start = time.perf_counter()
    await asyncio.gather(*(guest() for _ in range(guests)))
    return done, refused, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200)
    parser.add_argument("--conversations", type=int, default=10, help="ordering conversations to time")
    parser.add_argument("--guests", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument(
        "--model", type=Path, help="a trained model to measure (default: the newest in models/)"
    )
    args = parser.parse_args()
    with benchmark_stack(args.model) as stack:
        for text in TURNS.values():
            measure_sequential(stack, text.replace("{turn}", "warm-up"), 10)  # warm-up
        print(f"{'turn':48} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name, text in TURNS.items():
            samples = measure_sequential(stack, text, args.turns)
            print(
                f"{name:48} {len(samples):5d} {statistics.median(samples):8.1f} "
                f"{percentile(samples, 0.95):8.1f} {max(samples):8.1f}"
            )
        measure_conversations(stack, ORDERING, 1)  # warm-up
        samples = measure_conversations(stack, ORDERING, args.conversations)
        print(
            f"{f'{len(ORDERING)}-turn ordering conversation, per turn':48} {len(samples):5d} "
            f"{statistics.median(samples):8.1f} {percentile(samples, 0.95):8.1f} {max(samples):8.1f}"
        )
        done, refused, errors, elapsed = asyncio.run(measure_concurrent(stack, args.guests, args.seconds))
        print(
            f"\n{args.guests} guests at once for {elapsed:.1f} s: {done / elapsed:.1f} turns answered/s "
            f"({done} turns, {refused} refused by the rate limit, {errors} errors)"
        )
        print("\nresident memory after the run (MiB):")
        for name, process in stack.processes.items():
            print(f"  {name:10} {resident_mib([process.pid]):8.0f}")
        print(f"  {'total':10} {resident_mib([p.pid for p in stack.processes.values()]):8.0f}")


if __name__ == "__main__":
    main()
