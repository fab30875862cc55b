"""Several action servers on one embedded index (QDRANT_PATH): one writer, readers on its snapshots.

Real processes on free ports: the demo backend, a writer action server (RAG_INDEX_ROLE=writer, the
default) and two readers (RAG_INDEX_ROLE=reader), all given the same QDRANT_PATH, with the real
MiniLM model (offline) and embedded Qdrant. Questions go to each server's /webhook as Rasa's
`action_answer_faq` calls; without an LLM key the answer quotes the best retrieved document
("From our <title>: ..."), or says "I don't know" when retrieval finds nothing. No Rasa needed.

Before RAG_INDEX_ROLE existed, a second action server on the folder failed to open it ("already
accessed by another instance"): its retrieval never worked (the reader tests here fail so).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.prod_stack import e2e_topology
from tests.rag.helpers import SERVICE_TOKEN, WEBHOOK_SECRET, Backend, running_backend
from tests.stack import APP_PYTHON, ROOT, free_port, terminate, wait_until_up

# Starts its own processes (not the shared stack): once per make test is enough.
pytestmark = [pytest.mark.e2e, pytest.mark.skipif(e2e_topology() == "prod", reason="runs in the dev stage")]

ACTION_TOKEN = "readers-action-server-token"
LOCK_ERRORS = ("already accessed by another instance", "in use by another process")
NEW_DISH = "Saffron Quince Tart"
NEW_DISH_QUESTION = "Do you have a saffron quince tart with pistachio cream?"
DOC_QUESTION = "Do you sell gift cards?"


@dataclass
class ActionServer:
    name: str
    role: str
    url: str
    log: Path
    process: subprocess.Popen

    def ask(self, question: str) -> str:
        """One `action_answer_faq` call as Rasa makes it; the bot's texts joined."""
        sender = f"readers-{self.name}-{time.monotonic_ns()}"
        user = {
            "event": "user",
            "timestamp": time.time(),
            "text": question,
            "input_channel": "rest",
            "parse_data": {"intent": {"name": "ask_faq", "confidence": 1.0}, "entities": []},
        }
        tracker = {
            "sender_id": sender,
            "slots": {"offline_notice_given": True},
            "events": [{"event": "action", "name": "action_listen"}, user],
            "latest_message": {
                "text": question,
                "intent": {"name": "ask_faq", "confidence": 1.0},
                "entities": [],
            },
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
        body = {
            "next_action": "action_answer_faq",
            "sender_id": sender,
            "version": "3.6.21",
            "domain": {},
            "tracker": tracker,
        }
        response = httpx.post(
            f"{self.url}/webhook", json=body, timeout=60, headers={"Authorization": f"Bearer {ACTION_TOKEN}"}
        )
        response.raise_for_status()
        return "\n".join(message.get("text") or "" for message in response.json()["responses"])

    def logged(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Cluster:
    workdir: Path
    backend: Backend
    qdrant_path: Path
    servers: dict[str, ActionServer] = field(default_factory=dict)
    writer_port: int = field(default_factory=free_port)

    @property
    def pointer(self) -> Path:
        return self.qdrant_path / "snapshots" / "CURRENT"

    def start(self, name: str, role: str | None) -> ActionServer:
        """An action server (`python -m actions.server`) on this cluster's QDRANT_PATH; None = role unset."""
        if name in self.servers:
            return self.servers[name]
        port = self.writer_port if name == "writer" else free_port()
        env = dict(
            os.environ,
            BACKEND_URL=self.backend.url,
            BACKEND_SERVICE_TOKEN=SERVICE_TOKEN,
            QDRANT_PATH=str(self.qdrant_path),
            HF_HUB_OFFLINE="1",
            ACTION_SERVER_TOKEN=ACTION_TOKEN,
            WEBHOOK_SECRET=WEBHOOK_SECRET,
            SANIC_HOST="127.0.0.1",
            ACTIONS_PORT=str(port),
            LLM_SPEND_FILE=str(self.workdir / f"llm_spend_{name}.json"),
            PYTHONUNBUFFERED="1",
            RAG_SNAPSHOT_CHECK_SECONDS="0.5",
            TMPDIR=str(self.tmp(name)),
        )
        for unset in ("QDRANT_URL", "GROQ_API_KEY", "RAG_INDEX_ROLE"):
            env.pop(unset, None)
        if role is not None:
            env["RAG_INDEX_ROLE"] = role
        log = self.workdir / f"actions-{name}.log"
        with log.open("ab") as handle:
            process = subprocess.Popen(
                [str(APP_PYTHON), "-m", "actions.server"],
                cwd=ROOT,
                env=env,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        server = ActionServer(name, role or "writer", f"http://127.0.0.1:{port}", log, process)
        self.servers[name] = server
        wait_until_up(f"{server.url}/health", process, f"action server {name}", 90, log)
        return server

    def tmp(self, name: str) -> Path:
        """The server's temporary folder (TMPDIR), where a reader keeps its private copy."""
        path = self.workdir / f"tmp-{name}"
        path.mkdir(exist_ok=True)
        return path

    def start_writer(self) -> ActionServer:
        """The writer, once it has synced and published its first snapshot."""
        writer = self.start("writer", None)  # the default role
        wait_for(
            lambda: self.pointer.exists(), 180, f"no snapshot published; log:\n{writer.logged()[-3000:]}"
        )
        return writer

    def stop_all(self) -> None:
        for server in list(self.servers.values())[::-1]:
            terminate(server.process)


def wait_for(condition: Any, seconds: float, message: str, every: float = 0.25) -> float:
    """Seconds it took `condition()` to turn true; fails with `message` after `seconds`."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            pytest.fail(message() if callable(message) else message)
        time.sleep(every)
    return time.monotonic() - started


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("action-readers")
    with running_backend(workdir) as backend:
        running = Cluster(workdir, backend, workdir / "qdrant")
        # the backend signs menu.updated for the writer alone (orm() runs the edit in its own process)
        backend.env.update(
            WEBHOOK_URLS=f"http://127.0.0.1:{running.writer_port}/webhooks/menu-updated",
            WEBHOOK_SECRET=WEBHOOK_SECRET,
        )
        try:
            yield running
        finally:
            running.stop_all()


def test_a_reader_with_no_snapshot_degrades_then_picks_the_index_up_without_a_restart(cluster: Cluster):
    assert not cluster.pointer.exists(), (
        "run this module's tests in file order: the writer must not be up yet"
    )
    early = cluster.start("early", "reader")
    answer = early.ask(DOC_QUESTION)
    assert answer.startswith("I don't know that"), answer  # the usual degradation: no documents
    wait_for(lambda: "no index snapshot published" in early.logged(), 10, "the reader logged no reason")

    cluster.start_writer()
    seconds = wait_for(
        lambda: early.ask(DOC_QUESTION).startswith("From our"),
        30,
        lambda: f"the reader never picked the snapshot up; log:\n{early.logged()[-3000:]}",
        every=0.5,
    )
    assert "gift card" in early.ask(DOC_QUESTION).lower()
    assert early.process.poll() is None  # the same process: no restart
    print(f"reader picked up the first snapshot {seconds:.1f} s after it was published")


def test_a_writer_and_two_readers_answer_from_one_folder_without_meeting_its_lock(cluster: Cluster):
    writer = cluster.start_writer()
    readers = [cluster.start("early", "reader"), cluster.start("second", "reader")]
    expected = writer.ask(DOC_QUESTION)
    assert expected.startswith("From our") and "gift card" in expected.lower(), expected
    for reader in readers:
        wait_for(
            lambda: reader.ask(DOC_QUESTION) == expected,
            30,
            lambda: f"{reader.name} answers differently; log:\n{reader.logged()[-3000:]}",
            every=0.5,
        )
    for server in (writer, *readers):
        assert server.process.poll() is None
        assert not any(error in server.logged() for error in LOCK_ERRORS), server.logged()[-3000:]
    published = [entry for entry in (cluster.qdrant_path / "snapshots").iterdir() if entry.is_dir()]
    assert published and not any((entry / ".lock").exists() for entry in published)  # readers open copies
    for reader in readers:
        copies = list(cluster.tmp(reader.name).glob("rag-reader-*"))
        assert len(copies) == 1 and (copies[0] / "qdrant" / ".lock").exists(), copies


def test_a_dish_added_in_the_backend_reaches_both_readers_within_seconds(cluster: Cluster):
    cluster.start_writer()
    readers = [cluster.start("early", "reader"), cluster.start("second", "reader")]
    for reader in readers:
        assert NEW_DISH not in reader.ask(NEW_DISH_QUESTION)
    started = time.monotonic()
    cluster.backend.orm(  # staff add a dish; the backend signs menu.updated to the writer after commit
        "from apps.menu.models import Category, MenuItem\n"
        f"MenuItem.objects.create(category=Category.objects.get(slug='desserts'), slug='saffron-quince-tart', "
        f"name={NEW_DISH!r}, description='Buttery tart of saffron-poached quince with pistachio cream.', "
        "price='7.50', allergens=['cereals_gluten', 'milk', 'eggs', 'nuts'])"
    )
    for reader in readers:
        wait_for(
            lambda: NEW_DISH in reader.ask(NEW_DISH_QUESTION),
            15,
            lambda: f"{reader.name} never saw the new dish; log:\n{reader.logged()[-3000:]}",
            every=0.25,
        )
        assert reader.process.poll() is None
    print(f"new dish answered by both readers {time.monotonic() - started:.1f} s after the edit")
    delivered = json.loads(
        cluster.backend.orm(
            "import json\nfrom apps.webhooks.models import WebhookAttempt\n"
            "print(json.dumps([a.status_code for a in WebhookAttempt.objects.filter("
            "delivery__event_type='menu.updated')]))"
        )
        .strip()
        .splitlines()[-1]
    )
    assert delivered and set(delivered) == {200}, delivered


def test_a_second_writer_on_the_folder_still_fails_and_names_the_reader_role(cluster: Cluster):
    """Two writers cannot share embedded Qdrant (this was every second action server before roles)."""
    cluster.start_writer()
    second = cluster.start("second-writer", "writer")
    wait_for(
        lambda: "retrieval index sync failed" in second.logged(),
        60,
        lambda: f"no sync failure logged:\n{second.logged()[-3000:]}",
    )
    assert "RAG_INDEX_ROLE=reader" in second.logged()
    try:  # its answering actions cannot search (today they fail outright: 500 to Rasa)
        assert not second.ask(DOC_QUESTION).startswith("From our")
    except httpx.HTTPStatusError as error:
        assert error.response.status_code == 500
    terminate(second.process)
    assert cluster.servers["writer"].ask(DOC_QUESTION).startswith("From our")  # the writer is unaffected


def test_a_stopped_reader_removes_its_private_copy(cluster: Cluster):
    reader = cluster.start("second", "reader")
    assert list(cluster.tmp("second").glob("rag-reader-*"))
    terminate(reader.process)
    assert reader.process.returncode == 0
    assert list(cluster.tmp("second").glob("rag-reader-*")) == []
