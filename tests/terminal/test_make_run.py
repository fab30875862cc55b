"""`make run`'s own script (scripts/run.sh) in a real terminal: honcho starts the three services,
the chat opens, the greeting is readable, and Ctrl-C at a button prompt, or closing the terminal,
stops every service."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.stack import ROOT, Stack, copy_model, latest_model
from tests.terminal.test_terminal_chat import greetings
from tests.terminal.tmux import Terminal

pytestmark = pytest.mark.e2e


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def stopped(ports: tuple[int, ...], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while any(listening(port) for port in ports):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


@pytest.mark.parametrize("leaving", ["Ctrl-C", "closing the terminal"])
def test_make_run_opens_a_readable_chat_and_leaving_stops_every_service(tmp_path: Path, leaving: str):
    model = latest_model()
    assert model is not None, "no trained model: run `make train`"
    stack = Stack(workdir=tmp_path)  # only its settings and free ports: run.sh starts the services
    stack.prepare_backend()
    env = {
        **{key: value for key, value in stack.env().items() if key in RUN_SETTINGS},
        "BACKEND_PORT": str(stack.backend_port),
        "RASA_PORT": str(stack.rasa_port),
        "RASA_MODEL_DIR": str(copy_model(model, tmp_path).parent),
    }
    chat = Terminal(["bash", "scripts/run.sh"], columns=80, cwd=ROOT, env=env)
    try:
        chat.wait_for("you>", 300)
        chat.send("hi")
        text = chat.wait_for("[3] Opening hours", 60)
        assert any(greeting in text for greeting in greetings())
        ports = (stack.backend_port, stack.actions_port, stack.rasa_port)
        if leaving == "Ctrl-C":
            chat.key("C-c")
            assert chat.exit_status(60) == 0
            assert "Traceback" not in chat.screen()
        else:
            chat.close()
        assert stopped(ports), "a service still listens after the guest left"
    finally:
        chat.close()


# what tells run.sh's services apart from a developer's own `make run`: ports, data and secrets
RUN_SETTINGS = {
    "SQLITE_PATH",
    "DATA_DIR",
    "BACKEND_URL",
    "BACKEND_SERVICE_TOKEN",
    "ACTION_ENDPOINT_URL",
    "ACTION_SERVER_TOKEN",
    "TRACKER_DB",
    "TRACKER_DATABASE_URL",
    "ACTIONS_PORT",
    "QDRANT_PATH",
    "WEBHOOK_SECRET",
    "WEBHOOK_URLS",
    "CHAT_ALLOWED_ORIGINS",
    "LLM_SPEND_FILE",
    "CHAT_SOCKET_URL",
    "CHAT_JWT_SECRET",
    "CHAT_SESSION_SECRET",
    "RASA_AUTH_TOKEN",
    "RASA_URL",
    "CHAT_STREAM_URL",
    "HF_HUB_OFFLINE",
}
