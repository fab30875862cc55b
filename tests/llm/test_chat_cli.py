"""`python -m llm chat`: tokens stream as they arrive and Ctrl-C interrupts one answer cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.fakes.groq_server import FakeGroq, SlowStream, Text
from tests.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


def start_chat(fake: FakeGroq, spend_file: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        GROQ_API_KEY="test-key",
        GROQ_BASE_URL=fake.url,
        PYTHONUNBUFFERED="1",
        LLM_SPEND_FILE=str(spend_file),
        BACKEND_URL=f"http://127.0.0.1:{free_port()}",
    )  # no backend: the CLI says so and goes on
    return subprocess.Popen(
        [sys.executable, "-m", "llm", "chat", "--no-retrieval"],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )


def read_until(stream, marker: str, timeout: float = 20) -> str:
    seen, deadline = "", time.monotonic() + timeout
    while marker not in seen and time.monotonic() < deadline:
        char = stream.read(1)
        if not char:
            break
        seen += char
    return seen


def test_answers_stream_and_ctrl_c_stops_only_the_current_answer(tmp_path: Path):
    with FakeGroq() as fake:
        fake.enqueue(
            SlowStream("one two three four five six seven eight nine ten", delay_per_chunk=0.4),
            Text("We open at noon."),
        )
        chat = start_chat(fake, tmp_path / "spend.json")
        try:
            chat.stdin.write("tell me a long story\n")
            chat.stdin.flush()
            first_words = read_until(chat.stdout, "two")
            assert "one two" in first_words  # printed while the rest is still being generated
            chat.send_signal(signal.SIGINT)
            chat.stdin.write("when do you open?\n")
            chat.stdin.flush()
            assert "We open at noon." in read_until(chat.stdout, "noon.")
            chat.stdin.close()
            assert chat.wait(timeout=15) == 0
            errors = chat.stderr.read()
            assert "[interrupted]" in errors
            assert "ten" not in first_words
            assert "2 requests" in errors  # usage summary on exit
        finally:
            if chat.poll() is None:
                chat.kill()
