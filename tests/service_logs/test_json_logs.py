"""Every service logs one JSON object per line, names the conversation where there is one, and never
writes a secret set in its environment: the action server (with its llm/rag INFO lines), the Rasa
server (through deploy/logging/rasa.yml, in the Rasa environment) and the backend (settings.LOGGING)."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import textwrap
from collections.abc import Iterator

import pytest

from tests.stack import APP_PYTHON, ROOT

RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
SECRET = "gsk_test-secret-value-0123456789"
KEYS = {"event", "level", "logger", "timestamp"}


def json_lines(text: str) -> list[dict]:
    lines = [line for line in text.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    return [json.loads(line) for line in lines]  # fails on any line that is not JSON


def by_event(records: list[dict], event: str) -> dict:
    return next(record for record in records if record["event"] == event)


@pytest.fixture
def restored_logging() -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in ("", "actions", "llm", "rag")]
    saved = [(lg, lg.handlers[:], lg.level, lg.propagate) for lg in loggers]
    yield
    for lg, handlers, level, propagate in saved:
        lg.handlers, lg.level, lg.propagate = handlers, level, propagate
    logging.captureWarnings(False)


def test_action_server_lines_are_json_with_llm_and_rag_info_and_no_secret(monkeypatch, restored_logging):
    monkeypatch.setenv("GROQ_API_KEY", SECRET)
    from actions.backend_client import current_conversation
    from actions.logging_setup import configure_server_logging

    out = io.StringIO()
    configure_server_logging("INFO", stream=out)
    logging.getLogger("llm.client").info(
        "llm completion", extra={"conversation_id": "conv-llm", "total_tokens": 42}
    )
    logging.getLogger("rag.sync").info("rag index synced to menu %s", "v7")
    token = current_conversation.set("conv-action")
    try:
        logging.getLogger("actions.checkout").warning("order not placed: backend busy")
        logging.getLogger("httpx").info("HTTP Request: GET http://x/api?token=%s", SECRET)
    finally:
        current_conversation.reset(token)
    logging.getLogger("llm.client").warning(
        "groq call failed with key %s", SECRET, extra={"headers": {"Authorization": f"Bearer {SECRET}"}}
    )

    text = out.getvalue()
    assert SECRET not in text
    records = json_lines(text)
    assert all(set(record) >= KEYS for record in records)
    usage = by_event(records, "llm completion")
    assert usage["level"] == "info" and usage["conversation_id"] == "conv-llm" and usage["total_tokens"] == 42
    assert by_event(records, "rag index synced to menu v7")["logger"] == "rag.sync"
    assert by_event(records, "order not placed: backend busy")["conversation_id"] == "conv-action"


RASA_SCRIPT = textwrap.dedent("""
    import asyncio, logging, logging.config, yaml
    logging.config.dictConfig(yaml.safe_load(open("deploy/logging/rasa.yml")))
    import rasa.utils.io, sanic
    rasa.utils.io.configure_colored_logging("INFO")  # what `rasa run` does right after the file
    sanic.Sanic("rasa_server")  # the HTTP API's app applies Sanic's logging defaults
    from channels.server_logging import in_conversation

    async def on_message(message):
        logging.getLogger("channels.rest").info("message handled")
        logging.getLogger("tracker_store.self_check").error("tracker self-check failed: a difference")

    class Message:
        sender_id = "conv-rasa"

    asyncio.run(in_conversation(on_message)(Message()))
    logging.getLogger("sanic.root").info("Starting worker")
    logging.getLogger("rasa.core.run").info("secret %s", __import__("os").environ["GROQ_API_KEY"])
    logging.getLogger("rasa.structlog").info('{"event": "processor.actions.log", "action_name": "x"}')
""")


def test_rasa_server_lines_are_json_with_the_conversation_and_no_secret():
    env = {
        **os.environ,
        "GROQ_API_KEY": SECRET,
        "LOG_LEVEL": "INFO",
        "TF_CPP_MIN_LOG_LEVEL": "3",
    }
    done = subprocess.run(
        [str(RASA_PYTHON), "-W", "ignore", "-c", RASA_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert SECRET not in done.stderr + done.stdout
    records = json_lines(done.stderr)
    assert all(set(record) >= KEYS for record in records)
    assert by_event(records, "message handled")["conversation_id"] == "conv-rasa"
    failed = by_event(records, "tracker self-check failed: a difference")  # what tests/stack.py looks for
    assert failed["conversation_id"] == "conv-rasa" and failed["level"] == "error"
    assert by_event(records, "Starting worker")["logger"] == "sanic.root"
    assert by_event(records, "processor.actions.log")["action_name"] == "x"  # Rasa's structlog JSON, merged


BACKEND_SCRIPT = textwrap.dedent("""
    import logging, django
    django.setup()
    from django.http import HttpResponse
    from django.test import RequestFactory
    from apps.common.log_context import ConversationLogMiddleware

    def view(request):
        logging.getLogger("apps.ordering").info("order placed", extra={"order": 1001})
        logging.getLogger("httpx").info("Authorization: Bearer %s", request.headers["X-Token"])
        return HttpResponse()

    request = RequestFactory().get("/api/menu/", HTTP_X_CONVERSATION_ID="conv-backend", HTTP_X_TOKEN="SECRET_HERE")
    ConversationLogMiddleware(view)(request)
    logging.getLogger("apps.common").warning("no conversation here")
""")


def test_backend_lines_are_json_with_the_conversation_and_no_secret():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "restaurant_backend.settings",
        "BACKEND_SERVICE_TOKEN": SECRET,
        "LOG_LEVEL": "INFO",
    }
    done = subprocess.run(
        [str(APP_PYTHON), "-c", BACKEND_SCRIPT.replace("SECRET_HERE", SECRET)],
        cwd=ROOT / "backend",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert SECRET not in done.stderr + done.stdout
    records = json_lines(done.stderr)
    assert all(set(record) >= KEYS for record in records)
    placed = by_event(records, "order placed")
    assert placed["conversation_id"] == "conv-backend" and placed["order"] == 1001
    assert "conversation_id" not in by_event(records, "no conversation here")
