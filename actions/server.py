"""The action server: rasa-sdk's own app, plus the retrieval index kept current.

`python -m actions.server` serves the same `/webhook` and `/health` as `python -m rasa_sdk`, and
adds what the action server owns as the writer of the embedded Qdrant index (RAG_INDEX_ROLE=writer,
the default; a reader, RAG_INDEX_ROLE=reader, searches the snapshots the writer publishes instead and
never syncs or writes: rag/snapshots.py):
- `POST /webhook` (Rasa's action calls) answers 401 unless the request carries
  `Authorization: Bearer <ACTION_SERVER_TOKEN>`, which Rasa sends from endpoints.yml
  (`action_endpoint.headers`). A forged tracker could otherwise read or fill any guest's cart.
  With no ACTION_SERVER_TOKEN set, every call is refused;
- at start-up, in the background, the index is checked against the backend's menu version and
  brought up to date, and published for readers (the server answers actions meanwhile); a reader
  opens the newest published snapshot instead;
- `POST /webhooks/menu-updated` takes the backend's signed `menu.updated` event and re-embeds
  only the changed items, then publishes (401 for a bad or stale signature, nothing changed); a
  reader verifies it the same way and only drops its cached menu;
- `GET /stream/<message id>`: the answer to one website-widget message as server-sent events
  while the LLM writes it (actions/streaming.py); CORS limited to CHAT_ALLOWED_ORIGINS;
- `GET /metrics`: Prometheus metrics (actions/metrics.py, llm/metrics.py);
- `GET /llm/usage[?conversation_id=...]`: Groq tokens and estimated cost (an internal endpoint,
  like the rest of this server: keep it off the public network).
"""

from __future__ import annotations

import argparse
import asyncio
import hmac
import json
import logging
import sys
import threading
import time
import zlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Literal, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from rasa_sdk.endpoint import create_app
from rasa_sdk.executor import ActionExecutor
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from actions import metrics, streaming, wiring
from actions.backend_client import current_conversation
from actions.logging_setup import configure_server_logging
from actions.settings import get_settings

logger = logging.getLogger("actions.server")
# The start-up sync and webhook updates write the same embedded index: one at a time.
_index_lock = threading.Lock()


_T = TypeVar("_T")
_Middleware = TypeVar("_Middleware", bound=Callable[..., Awaitable[response.HTTPResponse | None]])


def _locked(work: Callable[..., _T], *args: Any) -> _T:
    with _index_lock:
        return work(*args)


def middleware(app: Sanic, attach_to: Literal["request", "response"]) -> Callable[[_Middleware], _Middleware]:
    """`@app.middleware(attach_to)` with its type: Sanic 21.12 leaves `middleware` unannotated."""

    def register(handler: _Middleware) -> _Middleware:
        app.middleware(handler, attach_to)  # type: ignore[no-untyped-call]  # Sanic 21.12: unannotated
        return handler

    return register


ACTION_WEBHOOK = "/webhook"


def action_server_token() -> str:
    """The shared secret Rasa sends with each action call (environment only; empty = refuse all)."""
    return get_settings().action_server_token.strip()


def bearer_token(request: Request) -> str:
    scheme, _, credentials = (request.headers.get("Authorization") or "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def authorized_action_call(request: Request, expected: str) -> bool:
    """True if the request carries the action server token (constant-time comparison)."""
    provided = bearer_token(request)
    return bool(expected and provided) and hmac.compare_digest(provided.encode(), expected.encode())


def refuse_unauthorized_action_calls(app: Sanic, expected: str) -> None:
    """A request middleware: /webhook without the token gets 401 and never reaches an action."""
    if not expected:
        logger.error("ACTION_SERVER_TOKEN is not set: every action call to /webhook is refused")

    @middleware(app, "request")
    async def require_action_token(request: Request) -> response.HTTPResponse | None:
        if request.path.rstrip("/") != ACTION_WEBHOOK or authorized_action_call(request, expected):
            return None
        request.ctx.refused = True
        return response.json({"error": "unauthorized"}, status=401, headers={"WWW-Authenticate": "Bearer"})


def build_app(*, sync_on_start: bool = True) -> Sanic:
    wiring.check_rotation_deadlines()  # a malformed rotation deadline stops the start, not a webhook
    origins = get_settings().allowed_origins()
    app = create_app("actions", cors_origins=origins)
    known_actions = registered_actions("actions")

    @app.get("/stream/<message_id:str>")
    async def stream(request: Request, message_id: str) -> None:
        """Server-sent events with the answer to one widget message while the LLM writes it."""
        # CORS headers (only for CHAT_ALLOWED_ORIGINS) are added by rasa-sdk's Sanic-CORS.
        sse = await request.respond(
            content_type="text/event-stream", headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        )
        await sse.send("retry: 60000\n\n")
        async for piece in streaming.hub().listen(message_id[:64]):
            await sse.send(f"event: chunk\ndata: {json.dumps({'text': piece}, ensure_ascii=False)}\n\n")
        await sse.send("event: done\ndata: {}\n\n")
        await sse.eof()

    @app.post("/webhooks/menu-updated")
    async def menu_updated(request: Request) -> response.HTTPResponse:
        from rag.webhook import handle_menu_updated

        # the signature is checked before the index lock is taken: a forged request is refused at once
        result = await asyncio.to_thread(
            handle_menu_updated,
            dict(request.headers),
            request.body,
            wiring.webhook_secrets(),
            wiring.indexer if wiring.writes_index() else None,
            _index_lock,
        )
        if result.ok:  # a verified change: answers read the menu afresh, not from the 30 s cache
            wiring.backend().forget_menu()
        return response.json(result.body, status=result.status)

    @app.get("/metrics")
    async def prometheus_metrics(request: Request) -> response.HTTPResponse:
        return response.raw(generate_latest(), content_type=CONTENT_TYPE_LATEST)

    @middleware(app, "request")
    async def start_timer(request: Request) -> None:
        request.ctx.started = time.perf_counter()

    refuse_unauthorized_action_calls(app, action_server_token())
    middleware(app, "request")(note_conversation)

    @middleware(app, "response")
    async def observe_action(request: Request, _: response.HTTPResponse) -> None:
        if getattr(request.ctx, "refused", False):  # a refused call ran nothing: not an action
            return
        if request.path == "/webhook" and request.method == "POST":
            call = getattr(request.ctx, "call", None) or action_call(
                request
            )  # parsed once by note_conversation
            observe_webhook(call, time.perf_counter() - request.ctx.started, known_actions)

    @app.get("/llm/usage")
    async def llm_usage(request: Request) -> response.HTTPResponse:
        """Groq tokens and estimated cost: in total, by model, and for `?conversation_id=`."""
        client = wiring.llm()
        body = {
            "status": client.status,
            "total": client.ledger.total.as_dict(),
            "by_model": {model: usage.as_dict() for model, usage in client.ledger.by_model.items()},
        }
        conversation = request.args.get("conversation_id")
        if conversation:
            body["conversation"] = client.ledger.conversation(conversation).as_dict()
        return response.json(body)

    if sync_on_start:

        @app.after_server_start
        async def start_index_sync(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
            app.add_task(_sync_index())

    return app


_turns_seen: OrderedDict[tuple[str, float], None] = OrderedDict()


async def note_conversation(request: Request) -> None:
    """Request middleware: the backend client names this action call's conversation in its requests,
    so the backend throttles them per conversation (actions/backend_client.py)."""
    if request.path.rstrip("/") == ACTION_WEBHOOK and not getattr(request.ctx, "refused", False):
        request.ctx.call = action_call(request)
        sender = request.ctx.call.get("sender_id")
        current_conversation.set(sender if isinstance(sender, str) and sender else None)


def registered_actions(package: str) -> frozenset[str]:
    """The names of the actions this server runs (rasa-sdk's own registry): the `action` label's values."""
    executor = ActionExecutor()
    executor.register_package(package)
    return frozenset(executor.actions)


def action_call(request: Request) -> dict[str, Any]:
    """The body Rasa posted to /webhook (deflated when Rasa compresses it); unreadable reads as {}."""
    try:
        if request.headers.get("Content-Encoding") == "deflate":
            body = json.loads(zlib.decompress(request.body))
        else:
            body = request.json
    except (ValueError, zlib.error, SanicException):
        return {}
    return body if isinstance(body, dict) else {}


def _timestamp(value: Any) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 0.0


def _action_label(action: Any, known_actions: frozenset[str]) -> str:
    if not action:
        return "unknown"
    return action if isinstance(action, str) and action in known_actions else "other"


def _events(tracker: dict[str, Any]) -> list[dict[str, Any]]:
    events = tracker.get("events")
    return [e for e in events if isinstance(e, dict)] if isinstance(events, list) else []


def observe_webhook(
    body: dict[str, Any], seconds: float, known_actions: frozenset[str] = frozenset()
) -> None:
    """Action duration, and once per guest turn the message (and, on a session's first message,
    the conversation) counters. The action server only sees turns that run a custom action.

    Whoever reaches /webhook chooses the body, and a REST guest chooses the stored `input_channel`:
    label values come from fixed sets (registered actions, metrics.CHANNELS), so no request can
    open a new time series."""
    metrics.ACTION_DURATION.labels(_action_label(body.get("next_action"), known_actions)).observe(seconds)
    raw_tracker = body.get("tracker")
    tracker: dict[str, Any] = raw_tracker if isinstance(raw_tracker, dict) else {}
    events = _events(tracker)
    start = max((i for i, e in enumerate(events) if e.get("event") == "session_started"), default=-1)
    users = [e for e in events[start + 1 :] if e.get("event") == "user"]
    if not users:
        return
    turn = (str(tracker.get("sender_id"))[:255], _timestamp(users[-1].get("timestamp")))
    if turn in _turns_seen:
        return
    _turns_seen[turn] = None
    while len(_turns_seen) > 10_000:
        _turns_seen.popitem(last=False)
    channel = metrics.channel_label(users[-1].get("input_channel"))
    metrics.USER_MESSAGES.labels(channel).inc()
    if len(users) == 1:
        metrics.CONVERSATIONS.labels(channel).inc()


async def _sync_index() -> None:
    try:
        if wiring.writes_index():
            report = await asyncio.to_thread(_locked, lambda: wiring.indexer().ensure_current())
            logger.info(
                "retrieval index current",
                extra={
                    "sync": report.action,
                    "embedded": report.embedded,
                    "points": report.points,
                    "menu_version": report.menu_version,
                    "seconds": round(report.seconds, 2),
                    "snapshot": report.published,
                },
            )
        else:  # a reader: open the newest published snapshot now (if none yet, searches look again)
            snapshots = wiring.retriever().snapshots
            assert snapshots is not None  # a reader's retriever searches the published snapshots
            await asyncio.to_thread(snapshots.refresh)
            logger.info(
                "retrieval index: reader",
                extra={"snapshot": snapshots.snapshot.name if snapshots.snapshot else None},
            )
        # load the model and trace the query encoder now, not on the first guest's question
        await asyncio.to_thread(wiring.retriever().embedder.warm_up)
    except Exception as error:  # the assistant works without retrieval; the next sync retries
        logger.warning(
            "retrieval index sync failed: %s", error.__class__.__name__, extra={"error": str(error)[:300]}
        )


def init_error_reporting(dsn: str) -> bool:
    """Send errors to Sentry when a DSN is configured; guests' words and ids are not sent."""
    if not dsn:
        return False
    import sentry_sdk

    # Defaults send no request bodies or user data; local variables (guest text) are switched off too.
    sentry_sdk.init(dsn=dsn, include_local_variables=False, traces_sample_rate=0.0)
    return True


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """No options: every setting is an environment variable (README table); --help says which."""
    parser = argparse.ArgumentParser(
        prog="python -m actions.server",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The action server: rasa-sdk's /webhook for Rasa's custom actions, plus the retrieval "
        "index kept current, /stream/<message id>, /metrics and /llm/usage.",
        epilog="Settings come from the environment (the README's configuration table), among them:\n"
        "  SANIC_HOST, ACTIONS_PORT        where it listens (127.0.0.1:5055)\n"
        "  ACTION_SERVER_TOKEN             the token Rasa sends with each action call\n"
        "  BACKEND_URL, BACKEND_SERVICE_TOKEN  the Django backend\n"
        "  QDRANT_PATH, RAG_INDEX_ROLE     the retrieval index (writer or reader)\n"
        "  GROQ_API_KEY, LLM_MODEL         the LLM (unset key: offline mode)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    parse_args(argv)
    configure_server_logging()
    from llm.config import LlmConfig

    problem = LlmConfig().startup_problem()
    if problem:
        sys.exit(f"action server not started: {problem}")
    settings = get_settings()
    init_error_reporting(settings.sentry_dsn)
    logger.info("action server on http://%s:%s", settings.host, settings.port)
    build_app(sync_on_start=settings.rag_sync_on_start).run(
        settings.host, settings.port, workers=1, access_log=False
    )


if __name__ == "__main__":
    main()
