"""The chat channels' message rate limits (channels/limits.py), per conversation and per client IP.
The channels run in the Rasa environment (.venv-rasa), so the checks run there in a subprocess; the
live REST and socket.io channels are exercised in tests/e2e/test_message_rate_limit.py."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

CHECK = r"""
import asyncio, gc, json
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from channels.limits import MessageRateLimit, client_ip, with_rate_limit, RATE_NOTICE

handled = []
async def on_new_message(message):
    handled.append(message.text)

async def main():
    handle = with_rate_limit(on_new_message, MessageRateLimit.from_env())
    await asyncio.sleep(0.1); gc.collect()  # the limiter must keep its storage alive (limits holds a weakref)
    out = []
    async def send(sender, ip, text):
        client_ip.set(ip)
        channel = CollectingOutputChannel()
        await handle(UserMessage(text, channel, sender))
        out.append([m.get("text") for m in channel.messages])
    for i in range(4):
        await send("guest-a", "10.0.0.1", f"a{i}")           # per conversation: 3 a minute
    for i in range(4):
        await send(f"guest-b{i}", "10.0.0.2", f"b{i}")       # per IP: 5 a minute; a new conversation each
    await send("guest-c", "10.0.0.3", "c0")                 # another IP, another guest: answered
    print(json.dumps({"handled": handled, "out": out, "notice": RATE_NOTICE}))

asyncio.run(main())
"""


def run_check(**env: str) -> dict:
    result = subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_limits_per_conversation_and_per_ip_answer_with_the_notice():
    seen = run_check(CHAT_RATE_LIMIT_PER_CONVERSATION="3/minute", CHAT_RATE_LIMIT_PER_IP="5/minute")
    notice = seen["notice"]
    assert notice == "You're sending messages faster than I can read them; please wait a moment."
    # guest-a: 3 pass, the 4th is refused (and counted against nothing); 10.0.0.1 has used 3 of 5
    # guest-b*: a fresh conversation each time on 10.0.0.2: 4 pass (IP at 4 of 5)
    assert seen["handled"] == ["a0", "a1", "a2", "b0", "b1", "b2", "b3", "c0"]
    assert seen["out"][3] == [notice]
    assert all(out == [] for index, out in enumerate(seen["out"]) if index != 3)


def test_the_per_ip_limit_refuses_new_conversations_from_a_flooding_address():
    seen = run_check(CHAT_RATE_LIMIT_PER_CONVERSATION="30/minute", CHAT_RATE_LIMIT_PER_IP="2/minute")
    assert seen["handled"] == ["a0", "a1", "b0", "b1", "c0"]
    assert [out == [seen["notice"]] for out in seen["out"]] == [
        False,
        False,
        True,
        True,
        False,
        False,
        True,
        True,
        False,
    ]


def test_off_turns_the_limits_off_and_junk_means_the_defaults():
    seen = run_check(CHAT_RATE_LIMIT_PER_CONVERSATION="off", CHAT_RATE_LIMIT_PER_IP="off")
    assert len(seen["handled"]) == 9
    seen = run_check(CHAT_RATE_LIMIT_PER_CONVERSATION="lots", CHAT_RATE_LIMIT_PER_IP="")
    assert len(seen["handled"]) == 9  # defaults: 30 a conversation, 120 an IP


def test_with_redis_several_rasa_servers_count_together(redis_server: str):
    redis_url = f"{redis_server}/2"
    limits = {
        "CHAT_RATE_LIMIT_PER_CONVERSATION": "3/minute",
        "CHAT_RATE_LIMIT_PER_IP": "5/minute",
        "CHAT_REDIS_URL": redis_url,
    }
    first = run_check(**limits)
    assert first["handled"] == ["a0", "a1", "a2", "b0", "b1", "b2", "b3", "c0"]
    # a second process (another Rasa server) sees the first one's counts: guest-a is over its limit,
    # 10.0.0.2 has one message left, 10.0.0.3 four
    second = run_check(**limits)
    assert second["handled"] == ["b0", "c0"]


def test_an_unreachable_redis_lets_messages_through():
    seen = run_check(
        CHAT_RATE_LIMIT_PER_CONVERSATION="3/minute",
        CHAT_RATE_LIMIT_PER_IP="5/minute",
        CHAT_REDIS_URL=f"redis://127.0.0.1:{free_port()}/2",
    )
    assert len(seen["handled"]) == 9
