"""Talking to the running assistant: Rasa's REST channel, and the action server's answer stream."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from typing import Any

import httpx


class Assistant:
    """One conversation over the REST channel (the same server the website and REST clients use)."""

    def __init__(self, rasa_url: str, sender: str | None = None, timeout: float = 120.0) -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.http = httpx.Client(timeout=timeout)
        self.sender = sender or self.new_conversation()

    def new_conversation(self) -> str:
        """A conversation id from the REST channel, which accepts only ids it issued (channels/sessions.py)."""
        response = self.http.post(f"{self.rasa_url}/webhooks/rest/session")
        response.raise_for_status()
        return response.json()["sender"]

    def say(self, text: str, message_id: str | None = None) -> list[dict[str, Any]]:
        """The bot's messages in answer to one guest message."""
        body: dict[str, Any] = {"sender": self.sender, "message": text}
        if message_id:  # the action server streams the LLM's answer to this id (actions/streaming.py)
            body["metadata"] = {"message_id": message_id}
        response = self.http.post(f"{self.rasa_url}/webhooks/rest/webhook", json=body)
        response.raise_for_status()
        return response.json()

    def pushed(self, after: float) -> list[dict[str, Any]]:
        """Messages pushed into the conversation after `after` (a timestamp) from outside the guest's
        turns: a person's who took it over, or the backend's (channels/rest.py)."""
        response = self.http.get(
            f"{self.rasa_url}/webhooks/rest/messages",
            params={"sender": self.sender, "after": after},
            timeout=10,
        )
        response.raise_for_status()
        return list(response.json().get("messages") or [])

    def close(self) -> None:
        self.http.close()


class PushedMessages(threading.Thread):
    """Asks every `interval` seconds for what a person (or the backend) sent into the conversation
    outside the guest's turns, and hands each new batch to `on_messages`. A failed poll is tried
    again at the next interval: a restarting server only delays the messages."""

    def __init__(
        self,
        rasa_url: str,
        sender: str,
        on_messages: Callable[[list[dict[str, Any]]], None],
        interval: float = 1.0,
    ) -> None:
        super().__init__(daemon=True)
        self.assistant = Assistant(
            rasa_url, sender, timeout=10
        )  # its own connection: httpx clients are per thread
        self.on_messages = on_messages
        self.interval = interval
        self.after = 0.0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                messages = self.assistant.pushed(self.after)
            except httpx.HTTPError:
                continue
            if messages:
                self.after = max(float(message.get("timestamp") or 0) for message in messages)
                self.on_messages(messages)

    def stop(self) -> None:
        self.stopped.set()
        self.assistant.close()


class AnswerStream(threading.Thread):
    """Reads `GET /stream/<message id>` (server-sent events) while the REST call waits for the
    whole answer, and hands each piece of text to `on_text` as the LLM writes it."""

    def __init__(self, stream_url: str, on_text: Callable[[str], None]) -> None:
        super().__init__(daemon=True)
        self.message_id = uuid.uuid4().hex
        self.url = f"{stream_url.rstrip('/')}/stream/{self.message_id}"
        self.on_text = on_text
        self.text = ""
        self._over = threading.Event()
        self._done = threading.Event()
        self._lock = threading.Lock()  # a piece is shown whole, or not at all once the turn is over

    def run(self) -> None:
        try:
            with httpx.stream("GET", self.url, timeout=httpx.Timeout(5.0, read=None)) as response:
                if response.status_code != 200:
                    return
                event = ""
                for line in response.iter_lines():
                    if line.startswith("event:"):
                        event = line[6:].strip()
                    elif line.startswith("data:") and event == "chunk":
                        with self._lock:
                            if self._over.is_set():
                                return
                            piece = json.loads(line[5:]).get("text") or ""
                            self.text += piece
                            self.on_text(piece)
                    elif line.startswith("data:") and event == "done":
                        return
        except (httpx.HTTPError, ValueError):
            return  # no stream endpoint (or it went away): the whole answer still comes over REST
        finally:
            self._done.set()

    def finish(self, grace: float = 2.0) -> None:
        """The REST answer is in: let pieces already sent arrive, then show no more. (A message the
        LLM did not answer leaves the request open until the server's own 30 s stream timeout.)"""
        if self.text:  # an answer is streaming: its last pieces are on their way
            self._done.wait(grace)
        with self._lock:
            self._over.set()
