"""Every command a newcomer runs explains itself with --help, and bad configuration stops the
start with a message that says what is wrong and how to put it right."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.stack import APP_PYTHON, ROOT, free_port

HELP = [
    (["scripts/nlu_report.py"], "FOLDER"),
    (["-m", "scripts.insights_screenshot"], "docs/images/insights.png"),
    (["-m", "actions.server"], "ACTIONS_PORT"),
    (["-m", "terminal_chat"], "--stream-url"),
]


@pytest.mark.parametrize("command, mentions", HELP, ids=[" ".join(c) for c, _ in HELP])
def test_help_explains_the_command_and_runs_nothing(command: list[str], mentions: str):
    done = subprocess.run(
        [str(APP_PYTHON), *command, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("usage:") and mentions in done.stdout


def action_server(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "ACTIONS_PORT": str(free_port()),
        "SANIC_HOST": "127.0.0.1",
        "RAG_SYNC_ON_START": "false",
        **env,
    }
    return subprocess.run(
        [str(APP_PYTHON), "-m", "actions.server"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_llm_model_without_a_price_stops_the_action_server_with_the_reason():
    done = action_server(GROQ_API_KEY="a-key", LLM_MODEL="someone/unpriced-model")
    assert done.returncode != 0
    message = done.stderr.strip().splitlines()[-1]
    assert message.startswith("action server not started: LLM_MODEL=someone/unpriced-model has no price in")
    assert "models.yml" in message and "openai/gpt-oss-120b" in message  # where to add it, and what is priced


def test_an_unpriced_model_does_not_matter_offline():
    from llm.config import LlmConfig

    assert LlmConfig(GROQ_API_KEY=None, LLM_MODEL="someone/unpriced-model").startup_problem() is None
    assert LlmConfig(GROQ_API_KEY="a-key", LLM_MODEL="openai/gpt-oss-120b").startup_problem() is None
