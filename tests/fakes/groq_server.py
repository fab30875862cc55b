"""A local HTTP server that speaks Groq's OpenAI-compatible chat-completions wire format.

For tests only: nothing here reaches the real Groq API. Point the official SDK at it::

    with FakeGroq() as fake:
        fake.enqueue(Text("Hello there"), Status(429, retry_after=0.2))
        client = AsyncGroq(api_key="test", base_url=fake.url)
        ...
        assert fake.requests[0].body["model"] == "llama-3.1-8b-instant"

Endpoints: ``POST /openai/v1/chat/completions`` (JSON or SSE when ``"stream": true``) and
``GET /openai/v1/models``. Anything else gets a Groq-style 404.

Choosing the reply for a chat request (first match wins):
  1. the FIFO queue filled by :meth:`FakeGroq.enqueue` (one reply consumed per request);
  2. rules added with :meth:`FakeGroq.when` (checked in order, never consumed);
  3. :attr:`FakeGroq.responder` (default: ``Text("OK")``).
A queued/rule reply may also be a callable ``body -> Reply``. A chat request whose body is not
a JSON object with ``model`` and ``messages`` gets a 400 and consumes nothing.

Usage figures, unless given explicitly on the reply:
  * ``prompt_tokens`` = sum over the request's messages of ``ceil(len(content) / 4)``
    (``None`` content counts 0; list content counts each text part), plus
    ``ceil(len(arguments) / 4)`` for every tool-call argument string in those messages;
  * ``completion_tokens`` = ``ceil(len(content) / 4)`` of the reply content, plus
    ``ceil(len(arguments) / 4)`` per tool call of a :class:`ToolCalls` reply;
  * ``total_tokens`` = their sum; timing fields are deterministic floats:
    ``queue_time`` = 0.001, ``prompt_time`` = prompt_tokens * 1e-5,
    ``completion_time`` = completion_tokens * 1e-3, ``total_time`` = prompt + completion time.

Streaming: content is split by words (spaces kept) into one chunk each, after a first chunk with
``delta.role = "assistant"``; the last choice chunk carries ``finish_reason`` and
``x_groq.usage``; with ``stream_options.include_usage`` a final chunk with empty ``choices`` and
top-level ``usage`` follows; then ``data: [DONE]``. Sent with chunked transfer encoding.
"""

from __future__ import annotations

import json
import math
import re
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

CHAT_PATH = "/openai/v1/chat/completions"
MODELS_PATH = "/openai/v1/models"
MODEL_IDS = ("llama-3.1-8b-instant", "llama-3.3-70b-versatile", "openai/gpt-oss-20b")


# --------------------------------------------------------------------------- reply types


@dataclass
class Text:
    """A plain assistant message (JSON, or SSE when the request streams)."""

    content: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str = "stop"


@dataclass
class ToolCalls:
    """An assistant message with ``tool_calls``; a ``str`` argument is sent verbatim."""

    calls: list[tuple[str, dict[str, Any] | str]]
    content: str | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass
class Status:
    """An HTTP error with a Groq-style ``{"error": {...}}`` body (default chosen by code)."""

    code: int
    retry_after: float | None = None
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass
class Slow:
    """Wait ``seconds`` before answering with ``then`` (before the first byte when streaming)."""

    seconds: float
    then: Reply


@dataclass
class SlowStream:
    """Like :class:`Text`, but sleeps ``delay_per_chunk`` before each streamed chunk.

    For a non-streaming request it sleeps ``delay_per_chunk * n_chunks`` and answers JSON.
    """

    content: str
    delay_per_chunk: float
    prompt_tokens: int | None = None
    completion_tokens: int | None = None


Reply = Text | ToolCalls | Status | Slow | SlowStream
REPLY_TYPES = (Text, ToolCalls, Status, Slow, SlowStream)
Body = dict[str, Any]
Responder = Callable[[Body], Reply]
ReplyOrFactory = Reply | Responder
Predicate = Callable[[Body], bool]


@dataclass
class Recorded:
    """One request as received: parsed JSON body ({} if none), lower-cased headers, path."""

    body: Body
    headers: dict[str, str]
    path: str
    method: str = "POST"


def default_responder(body: Body) -> Reply:
    """The responder used when the queue is empty and no rule matches."""
    return Text("OK")


# --------------------------------------------------------------------------- helpers


def _ceil4(text: str | None) -> int:
    return math.ceil(len(text) / 4) if text else 0


def _args_json(arguments: dict[str, Any] | str) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def count_prompt_tokens(body: Body) -> int:
    """Fake prompt token count of a request body (see module docstring)."""
    total = 0
    for message in body.get("messages") or []:
        if not isinstance(message, dict):
            continue
        content = message.get("content")
        if isinstance(content, str):
            total += _ceil4(content)
        elif isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and isinstance(part.get("text"), str):
                    total += _ceil4(part["text"])
        for call in message.get("tool_calls") or []:
            function = call.get("function") if isinstance(call, dict) else None
            if isinstance(function, dict) and isinstance(function.get("arguments"), str):
                total += _ceil4(function["arguments"])
    return total


def split_words(content: str) -> list[str]:
    """Split text into stream pieces: words with their following whitespace kept."""
    return [piece for piece in re.findall(r"\s*\S+\s*|\s+", content) if piece]


def _usage(prompt: int, completion: int) -> dict[str, Any]:
    prompt_time = round(prompt * 1e-5, 6)
    completion_time = round(completion * 1e-3, 6)
    return {
        "queue_time": 0.001,
        "prompt_tokens": prompt,
        "prompt_time": prompt_time,
        "completion_tokens": completion,
        "completion_time": completion_time,
        "total_tokens": prompt + completion,
        "total_time": round(prompt_time + completion_time, 6),
    }


def _fmt_seconds(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


_ERROR_DEFAULTS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Bad request"),
    401: ("invalid_request_error", "invalid_api_key", "Invalid API Key"),
    403: ("permission_error", None, "Forbidden"),
    404: (
        "invalid_request_error",
        "model_not_found",
        "The model does not exist or you do not have access to it.",
    ),
    408: ("invalid_request_error", None, "Request timeout"),
    413: ("invalid_request_error", "request_too_large", "Request Entity Too Large"),
    422: ("invalid_request_error", None, "Unprocessable entity"),
    429: ("tokens", "rate_limit_exceeded", "Rate limit reached. Please try again later."),
    498: ("invalid_request_error", "flex_tier_capacity_exceeded", "Capacity exceeded"),
    500: ("internal_server_error", None, "Internal Server Error"),
    502: ("internal_server_error", None, "Bad Gateway"),
    503: ("internal_server_error", "service_unavailable", "Service Unavailable"),
}


def error_body(code: int, message: str | None = None) -> dict[str, Any]:
    """A Groq-style error body for an HTTP status code."""
    kind, err_code, default_message = _ERROR_DEFAULTS.get(
        code, ("internal_server_error" if code >= 500 else "invalid_request_error", None, f"HTTP {code}")
    )
    error: dict[str, Any] = {"message": message or default_message, "type": kind}
    if err_code is not None:
        error["code"] = err_code
    return {"error": error}


# --------------------------------------------------------------------------- server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # never join handler threads (idle keep-alive connections) on close

    def __init__(self, fake: FakeGroq) -> None:
        self.fake = fake
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    # -- plumbing
    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def setup(self) -> None:
        super().setup()
        self.server.fake._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- request handling
    def _dispatch(self, method: str) -> None:
        fake = self.server.fake
        try:
            path = self.path.split("?", 1)[0]
            raw = self._read_body()
            body: Any
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            fake._record(
                Recorded(
                    body=body if isinstance(body, dict) else {}, headers=headers, path=path, method=method
                )
            )

            if method == "POST" and path == CHAT_PATH:
                if not isinstance(body, dict):
                    self._send_json(400, error_body(400, "request body must be a JSON object"))
                    return
                missing = [key for key in ("model", "messages") if key not in body]
                if missing:
                    self._send_json(
                        400, error_body(400, f"'{missing[0]}' : property '{missing[0]}' is missing")
                    )
                    return
                self._answer(fake._next_reply(body), body)
            elif method == "GET" and path == MODELS_PATH:
                created = int(time.time())
                self._send_json(
                    200,
                    {
                        "object": "list",
                        "data": [
                            {
                                "id": m,
                                "object": "model",
                                "created": created,
                                "owned_by": "Fake",
                                "active": True,
                                "context_window": 131072,
                                "public_apps": None,
                            }
                            for m in MODEL_IDS
                        ],
                    },
                )
            else:
                msg = f"Unknown request URL: {method} {path}. Please check the URL for typos."
                body404 = {"error": {"message": msg, "type": "invalid_request_error", "code": "unknown_url"}}
                self._send_json(404, body404)
        except (TimeoutError, BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True
        except Exception as exc:  # a broken responder/predicate: tell the client and keep it for the test
            fake._record_error(exc)
            try:
                self._send_json(500, {"error": {"message": f"FakeGroq error: {exc!r}", "type": "fake_error"}})
            except OSError:
                self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _answer(self, reply: Reply, body: Body) -> None:
        fake = self.server.fake
        stream = bool(body.get("stream"))
        if isinstance(reply, Slow):
            if fake._stopping.wait(reply.seconds):
                self.close_connection = True
                return
            self._answer(fake._resolve(reply.then, body), body)
        elif isinstance(reply, Status):
            headers = dict(reply.headers or {})
            if reply.retry_after is not None:
                headers.setdefault("retry-after", _fmt_seconds(reply.retry_after))
            self._send_json(
                reply.code, reply.body if reply.body is not None else error_body(reply.code), headers
            )
        elif isinstance(reply, (Text, ToolCalls, SlowStream)):
            if stream:
                self._send_stream(reply, body)
            else:
                if isinstance(reply, SlowStream) and fake._stopping.wait(
                    reply.delay_per_chunk * len(split_words(reply.content))
                ):
                    self.close_connection = True
                    return
                self._send_json(200, _completion(reply, body))
        else:
            raise TypeError(f"not a FakeGroq reply: {reply!r}")

    # -- writers
    def _send_json(self, code: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", _req_id())
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_stream(self, reply: Text | ToolCalls | SlowStream, body: Body) -> None:
        fake = self.server.fake
        delay = reply.delay_per_chunk if isinstance(reply, SlowStream) else 0.0
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", _req_id())
        self.end_headers()
        self.wfile.flush()
        for index, event in enumerate(_stream_events(reply, body)):
            if delay and index > 0 and fake._stopping.wait(delay):
                self.close_connection = True
                return
            self._write_chunk(f"data: {json.dumps(event)}\n\n".encode())
        self._write_chunk(b"data: [DONE]\n\n")
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _req_id() -> str:
    return "req_" + uuid.uuid4().hex[:26]


def _tool_calls(reply: ToolCalls) -> list[dict[str, Any]]:
    return [
        {
            "id": "call_" + uuid.uuid4().hex[:24],
            "type": "function",
            "function": {"name": name, "arguments": _args_json(arguments)},
        }
        for name, arguments in reply.calls
    ]


def _reply_usage(reply: Text | ToolCalls | SlowStream, body: Body) -> dict[str, Any]:
    prompt = reply.prompt_tokens if reply.prompt_tokens is not None else count_prompt_tokens(body)
    completion = reply.completion_tokens
    if completion is None:
        completion = _ceil4(reply.content)
        if isinstance(reply, ToolCalls):
            completion += sum(_ceil4(_args_json(arguments)) for _, arguments in reply.calls)
    return _usage(prompt, completion)


def _finish_reason(reply: Text | ToolCalls | SlowStream) -> str:
    if isinstance(reply, ToolCalls):
        return "tool_calls"
    return reply.finish_reason if isinstance(reply, Text) else "stop"


def _completion(reply: Text | ToolCalls | SlowStream, body: Body) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content}
    if isinstance(reply, ToolCalls):
        message["tool_calls"] = _tool_calls(reply)
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model"),
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": _finish_reason(reply)}
        ],
        "usage": _reply_usage(reply, body),
        "usage_breakdown": None,
        "system_fingerprint": "fp_fakegroq00",
        "x_groq": {"id": _req_id()},
        "service_tier": "on_demand",
    }


def _stream_events(reply: Text | ToolCalls | SlowStream, body: Body) -> list[dict[str, Any]]:
    base = {
        "id": "chatcmpl-" + uuid.uuid4().hex[:24],
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": body.get("model"),
        "system_fingerprint": "fp_fakegroq00",
    }
    request_id = _req_id()

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> dict[str, Any]:
        return {
            **base,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            **extra,
        }

    events = [chunk({"role": "assistant", "content": ""}, x_groq={"id": request_id})]
    events += [chunk({"content": piece}) for piece in split_words(reply.content or "")]
    if isinstance(reply, ToolCalls):
        for index, call in enumerate(_tool_calls(reply)):
            events.append(chunk({"tool_calls": [{"index": index, **call}]}))
    usage = _reply_usage(reply, body)
    events.append(chunk({}, _finish_reason(reply), x_groq={"id": request_id, "usage": usage}))
    options = body.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage"):
        events.append({**base, "choices": [], "usage": usage})
    return events


# --------------------------------------------------------------------------- public fake


class FakeGroq:
    """A scriptable fake Groq server on 127.0.0.1 (random free port), run in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._queue: deque[ReplyOrFactory] = deque()
        self._rules: list[tuple[Predicate, ReplyOrFactory]] = []
        self._requests: list[Recorded] = []
        self._errors: list[BaseException] = []
        self._conns: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.responder: Responder = default_responder

    # -- lifecycle
    def start(self) -> FakeGroq:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            raise RuntimeError("FakeGroq already started")
        self._stopping.clear()
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeGroq", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, wake sleeping replies and drop open connections (idempotent)."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGroq:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound TCP port (server must be started)."""
        if self._server is None:
            raise RuntimeError("FakeGroq not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Base URL for the SDK: ``AsyncGroq(api_key="test", base_url=fake.url)``."""
        return f"http://127.0.0.1:{self.port}"

    # -- scripting
    def enqueue(self, *replies: ReplyOrFactory) -> None:
        """Append replies to the FIFO queue; each chat request consumes one."""
        with self._lock:
            self._queue.extend(replies)

    def when(self, predicate: Predicate, reply: ReplyOrFactory) -> None:
        """Answer requests whose body satisfies ``predicate`` with ``reply`` (queue goes first)."""
        with self._lock:
            self._rules.append((predicate, reply))

    def reset(self) -> None:
        """Clear queue, rules, records and errors; restore the default responder."""
        with self._lock:
            self._queue.clear()
            self._rules.clear()
            self._requests.clear()
            self._errors.clear()
            self.responder = default_responder

    # -- inspection
    @property
    def requests(self) -> list[Recorded]:
        """A snapshot of every request received so far (all paths), oldest first."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[Recorded]:
        """Only the chat-completions requests."""
        return [r for r in self.requests if r.path == CHAT_PATH]

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by responders/predicates (the client got a 500 for each)."""
        with self._lock:
            return list(self._errors)

    @property
    def pending(self) -> int:
        """How many queued replies are still unconsumed."""
        with self._lock:
            return len(self._queue)

    # -- internals (called from handler threads)
    def _record(self, recorded: Recorded) -> None:
        with self._lock:
            self._requests.append(recorded)

    def _record_error(self, exc: BaseException) -> None:
        with self._lock:
            self._errors.append(exc)

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._conns.add if add else self._conns.discard)(conn)

    def _next_reply(self, body: Body) -> Reply:
        with self._lock:
            chosen: ReplyOrFactory | None = self._queue.popleft() if self._queue else None
            rules = list(self._rules)
            responder = self.responder
        if chosen is None:
            for predicate, reply in rules:
                if predicate(body):
                    chosen = reply
                    break
        return self._resolve(chosen if chosen is not None else responder, body)

    @staticmethod
    def _resolve(reply: ReplyOrFactory, body: Body) -> Reply:
        while not isinstance(reply, REPLY_TYPES):
            if not callable(reply):
                raise TypeError(f"not a FakeGroq reply: {reply!r}")
            reply = reply(body)
        return reply


__all__ = [
    "CHAT_PATH",
    "MODELS_PATH",
    "FakeGroq",
    "Recorded",
    "Reply",
    "Responder",
    "Slow",
    "SlowStream",
    "Status",
    "Text",
    "ToolCalls",
    "count_prompt_tokens",
    "default_responder",
    "error_body",
    "split_words",
]
