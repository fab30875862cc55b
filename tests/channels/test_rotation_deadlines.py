"""Rasa's channels refuse to start on a malformed CHAT_*_PREVIOUS_UNTIL, like the backend and the action
server do (one rule, service_common/secret_rotation.py). They run in the Rasa environment
(.venv-rasa, Python 3.10), so the check runs there in a subprocess."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
CHECK = """
from channels.{module} import {channel}
channel = {channel}.from_credentials({{"jwt_key": "new-chat-key"}})
print("started")
"""


def start_channel(module: str, channel: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_PREVIOUS_UNTIL")}
    return subprocess.run(
        [str(RASA_PYTHON), "-c", CHECK.format(module=module, channel=channel)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**clean, "TF_CPP_MIN_LOG_LEVEL": "3", **env},
    )


@pytest.mark.parametrize(
    "module, channel", [("rest", "AccountRestInput"), ("website", "WebsiteSocketIOInput")]
)
def test_a_malformed_chat_key_deadline_stops_the_channel_from_starting(module: str, channel: str):
    refused = start_channel(
        module,
        channel,
        CHAT_JWT_SECRET_PREVIOUS="old-chat-key",
        CHAT_JWT_SECRET_PREVIOUS_UNTIL="next tuesday",
    )
    assert refused.returncode != 0 and "started" not in refused.stdout
    assert "MalformedDeadline" in refused.stderr and "CHAT_JWT_SECRET_PREVIOUS_UNTIL" in refused.stderr


def test_a_well_formed_deadline_with_a_zone_letter_starts_on_python_3_10():
    started = start_channel(
        "rest",
        "AccountRestInput",
        CHAT_SESSION_SECRET="session-key",
        CHAT_SESSION_SECRET_PREVIOUS="old-session-key",
        CHAT_SESSION_SECRET_PREVIOUS_UNTIL="2026-12-01T12:00:00Z",
    )
    assert started.returncode == 0 and "started" in started.stdout, started.stderr[-3000:]
