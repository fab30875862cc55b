"""Turn cost against conversation length: one guest, many non-LLM turns, through the REST channel.

Prints the median of the first and the last 30 turns, their ratio (issue 17's target: at 300 turns
the last 30 cost at most 1.5x the first 30), the tracker's event count at the end, and a row per
block of 30 turns. Starts the real stack on free ports, as the e2e tests do; never fails on time.

    .venv/bin/python bench/long_conversation.py [--turns 300] [--model PATH]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.stack import Stack, benchmark_stack, new_sender  # noqa: E402

# What a guest who stays a while says, none of it answered by the LLM.
SCRIPT = ["show me the menu", "what's in my cart?", "how much is the tomato soup?", "do you have desserts?",
          "what's in my cart?", "hi"]
BLOCK = 30


def run(stack: Stack, turns: int) -> list[float]:
    sender, timings = new_sender(), []
    with httpx.Client(timeout=60) as client:
        for turn in range(turns):
            started = time.perf_counter()
            client.post(f"{stack.rasa_url}/webhooks/rest/webhook",
                        json={"sender": sender, "message": SCRIPT[turn % len(SCRIPT)]}).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
    events = len(stack.tracker(sender).get("events") or [])
    print(f"{turns} turns, {events} tracker events at the end")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--model", type=Path, help="a trained model to measure (default: the newest in models/)")
    args = parser.parse_args()
    # one guest sends far more than a person would: the per-conversation rate limit is off here
    with benchmark_stack(args.model, CHAT_RATE_LIMIT_PER_CONVERSATION="off") as stack:
        run(stack, len(SCRIPT) * 2)  # warm-up, in a conversation of its own
        timings = run(stack, args.turns)
    print(f"{'turns':>10} {'p50 ms':>8} {'p95 ms':>8}")
    for start in range(0, len(timings), BLOCK):
        block = sorted(timings[start:start + BLOCK])
        print(f"{start + 1:4d}-{start + len(block):<5d} {statistics.median(block):8.1f} "
              f"{block[min(len(block) - 1, int(0.95 * (len(block) - 1)))]:8.1f}")
    first, last = statistics.median(timings[:BLOCK]), statistics.median(timings[-BLOCK:])
    print(f"\nfirst {BLOCK}: p50 {first:.1f} ms; last {BLOCK}: p50 {last:.1f} ms; ratio {last / first:.2f}x")


if __name__ == "__main__":
    main()
