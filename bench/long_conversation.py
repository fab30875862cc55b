"""Turn cost against conversation length: one guest, many non-LLM turns, through the REST channel.

Prints the median of the first and the last 30 turns, their ratio (issue 17's target: at 300 turns
the last 30 cost at most 1.5x the first 30), the tracker's event count at the end, and a row per
block of 30 turns with the CPU the services used per turn (Rasa, the action server and the backend,
from /proc: a figure other work on the machine disturbs far less than wall time). Starts the real
stack on free ports, as the e2e tests do; never fails on time.

    .venv/bin/python -m bench.long_conversation [--turns 300] [--model PATH]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import httpx

from bench.processes import cpu_seconds
from tests.stack import Stack, benchmark_stack, new_sender

# What a guest who stays a while says, none of it answered by the LLM.
SCRIPT = [
    "show me the menu",
    "what's in my cart?",
    "how much is the tomato soup?",
    "do you have desserts?",
    "what's in my cart?",
    "hi",
]
BLOCK = 30


def run(stack: Stack, turns: int) -> tuple[list[float], list[float]]:
    """Wall milliseconds of each turn, and the services' CPU milliseconds per turn of each block."""
    sender, timings, cpu_per_turn = new_sender(), [], []
    services = [
        stack.processes[name].pid for name in ("rasa", "actions", "backend") if name in stack.processes
    ]
    with httpx.Client(timeout=60) as client:
        for turn in range(turns):
            if turn % BLOCK == 0:
                block_cpu = cpu_seconds(services)
            started = time.perf_counter()
            client.post(
                f"{stack.rasa_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": SCRIPT[turn % len(SCRIPT)]},
            ).raise_for_status()
            timings.append((time.perf_counter() - started) * 1000)
            if turn % BLOCK == BLOCK - 1 or turn == turns - 1:
                cpu_per_turn.append((cpu_seconds(services) - block_cpu) * 1000 / (turn % BLOCK + 1))
    events = len(stack.tracker(sender).get("events") or [])
    print(f"{turns} turns, {events} tracker events at the end")
    return timings, cpu_per_turn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument(
        "--model", type=Path, help="a trained model to measure (default: the newest in models/)"
    )
    args = parser.parse_args()
    # one guest sends far more than a person would: the per-conversation rate limit is off here
    with benchmark_stack(args.model, CHAT_RATE_LIMIT_PER_CONVERSATION="off") as stack:
        run(stack, len(SCRIPT) * 2)  # warm-up, in a conversation of its own
        timings, cpu_per_turn = run(stack, args.turns)
    print(f"{'turns':>10} {'p50 ms':>8} {'p95 ms':>8} {'CPU ms/turn':>12}")
    for number, start in enumerate(range(0, len(timings), BLOCK)):
        block = sorted(timings[start : start + BLOCK])
        print(
            f"{start + 1:4d}-{start + len(block):<5d} {statistics.median(block):8.1f} "
            f"{block[min(len(block) - 1, int(0.95 * (len(block) - 1)))]:8.1f} {cpu_per_turn[number]:12.1f}"
        )
    first, last = statistics.median(timings[:BLOCK]), statistics.median(timings[-BLOCK:])
    print(f"\nfirst {BLOCK}: p50 {first:.1f} ms; last {BLOCK}: p50 {last:.1f} ms; ratio {last / first:.2f}x")
    print(
        f"services' CPU per turn: first {BLOCK} {cpu_per_turn[0]:.1f} ms; last {BLOCK} {cpu_per_turn[-1]:.1f} ms; "
        f"ratio {cpu_per_turn[-1] / cpu_per_turn[0]:.2f}x"
    )


if __name__ == "__main__":
    main()
