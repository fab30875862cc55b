"""Locust guests for the load test (issue 17): they order through the REST and socket.io channels,
and the stock moodbot's guests hold its conversation as the baseline.

One locust user is one seat in the restaurant: it holds a whole conversation as a new guest (a new
conversation id), pauses 1-3 s between its messages as a person reading and typing would, and when
done another guest takes the seat. Each message is reported under its turn kind (greet, menu,
add_dish, size, question, checkout, ... ; REST rows as POST, socket.io rows as SOCKETIO), so
locust gives percentiles per kind. A conversation that does not end in a placed order is reported
as a failed CONVERSATION request with the reason. Pauses inside a conversation are plain sleeps, so
at the end of the run a guest finishes the conversation it is in (within --stop-timeout).

bench/load_test.py runs this file and reads the summary it writes (--summary-file): merged
percentiles and every conversation with its id and order number, for the backend's order check.
By hand (the stack's Rasa on 5005, its backend on 8000):

    .venv-load/bin/locust -f bench/load/locustfile.py --headless -u 20 -r 5 -t 5m \\
        --host http://127.0.0.1:5005 --origin http://127.0.0.1:8000 RestGuest SocketGuest
"""

from __future__ import annotations

import json
import random
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import gevent
import gevent.event
import socketio
from locust import FastHttpUser, User, between, events, task
from locust.env import Environment
from locust.runners import STATE_CLEANUP, STATE_STOPPED, STATE_STOPPING
from locust.stats import StatsEntry

Messages = list[dict[str, Any]]
CONVERSATION = "CONVERSATION"  # request type of the per-conversation outcome rows
SETUP_KINDS = ("session", "connect")  # reported, but not guest messages

# What the assistant says when it could not do the turn's work: the turn counts as an error.
TROUBLE = (
    "faster than I can read them",
    "little busy",
    "can't reach our ordering system",
    "didn't answer in time",
)


@dataclass(frozen=True)
class Dish:
    text: str
    size: str  # the answer when the bot asks for a size


# Dishes with unlimited stock in the demo menu (backend/demo/restaurant.yaml), so hours of ordering
# never sell one out; some ask for a size, some come back as "Did you mean ...?".
DISHES = (
    Dish("one tomato soup please", "regular"),
    Dish("a butternut squash soup", "large"),
    Dish("two garlic breads", "regular"),
    Dish("one egg fried rice", "regular"),
    Dish("a crispy tofu bowl", "large"),
    Dish("loaded fries please", "regular"),
    Dish("one salted edamame", "regular"),
    Dish("2 hummus plates", "regular"),
    Dish("a flat white", "regular"),
    Dish("2 hot chocolates", "large"),
    Dish("one green tea", "regular"),
    Dish("two falafel wraps", "regular"),
)
# Questions the assistant answers from the backend's facts, without the LLM; and a word the answer has.
QUESTIONS = (
    ("does the pad thai have peanuts in it?", "peanut"),
    ("what are your opening hours?", "opening hours"),
    ("is the tomato soup vegan?", "vegan"),
    ("do you deliver?", "deliver"),
    ("where are you located?", "phone"),
)
PLACED = re.compile(r"Order #(\w+) is placed")


class ConversationFailed(Exception):
    """The guest did not get where a guest would: the reason says at which turn and what was said."""


@dataclass
class Conversation:
    channel: str
    sender: str = ""
    status: str = "in_progress"  # placed | done (stock bot) | failed | interrupted
    order: str | None = None
    reason: str | None = None
    started: float = field(default_factory=time.time)


CONVERSATIONS: list[Conversation] = []


@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument(
        "--think-min", type=float, default=1.0, help="shortest pause between a guest's messages (s)"
    )
    parser.add_argument(
        "--think-max", type=float, default=3.0, help="longest pause between a guest's messages (s)"
    )
    parser.add_argument("--rest-weight", type=int, default=1, help="share of REST guests")
    parser.add_argument("--socketio-weight", type=int, default=1, help="share of socket.io guests")
    parser.add_argument(
        "--origin", default="", help="Origin the socket.io guests send (a CHAT_ALLOWED_ORIGINS site)"
    )
    parser.add_argument("--reply-timeout", type=float, default=60, help="longest wait for a reply (s)")
    parser.add_argument("--summary-file", default="", help="where to write the run's summary (JSON)")


ENVIRONMENT: list[Environment] = []


def _environment_options() -> Any:
    return ENVIRONMENT[0].parsed_options if ENVIRONMENT else None


@events.init.add_listener
def _configure(environment: Environment, **_: Any) -> None:
    ENVIRONMENT.append(environment)
    options = environment.parsed_options
    if options is not None:
        RestGuest.weight = options.rest_weight
        SocketGuest.weight = options.socketio_weight
        for guest in (RestGuest, SocketGuest, StockGuest):  # the pause before the next guest's first message
            guest.wait_time = between(options.think_min, max(options.think_min, options.think_max))


def texts(messages: Messages) -> str:
    return "\n".join(str(message.get("text") or "") for message in messages)


def trouble(messages: Messages) -> str | None:
    """Why this reply is an error rather than an answer, or None."""
    if not messages:
        return "no reply"
    said = texts(messages)
    return next((f"the bot said: {said[:120]!r}" for marker in TROUBLE if marker in said), None)


def expect(kind: str, messages: Messages, *words: str) -> str:
    """The reply's text, if it has one of `words`; otherwise the conversation has gone wrong."""
    said = texts(messages)
    if not any(word.lower() in said.lower() for word in words):
        raise ConversationFailed(f"{kind}: expected {' or '.join(map(repr, words))}, got {said[:120]!r}")
    return said


def think(user: User) -> None:
    """A guest reading the answer and typing the next message (not locust's wait: see the docstring)."""
    options = user.environment.parsed_options
    low, high = (options.think_min, options.think_max) if options else (1.0, 3.0)
    gevent.sleep(random.uniform(low, max(low, high)))


def reply_timeout(user: User) -> float:
    options = user.environment.parsed_options
    return options.reply_timeout if options else 60.0


def button_payloads(messages: Messages, prefix: str) -> list[str]:
    """Payloads of the buttons offered (REST: `buttons`; Rasa's socket.io: `quick_replies`)."""
    buttons = [
        button
        for message in messages
        for key in ("buttons", "quick_replies")
        for button in message.get(key) or []
    ]
    return [
        str(button.get("payload")) for button in buttons if str(button.get("payload", "")).startswith(prefix)
    ]


# -- the conversation, the same on every channel -----------------------------------------------

Say = Callable[[str, str], Messages]  # (turn kind, text) -> the bot's messages


def add_dish(say: Say, user: User, dish: Dish) -> None:
    """Order one dish, answering "Did you mean ...?" with yes and the size question with a size."""
    messages = say("add_dish", dish.text)
    for _ in range(3):
        said = texts(messages).lower()
        if "did you mean" in said:
            think(user)
            messages = say("clarify", "yes")
        elif "which size" in said:
            think(user)
            messages = say("size", dish.size)
        else:
            break
    expect("add_dish", messages, "Added")


def order(say: Say, user: User) -> str:
    """Greet, browse, order two dishes, ask a question, check out, place; the order's number."""
    expect("greet", say("greet", "hi"), "welcome")
    think(user)
    categories = button_payloads(say("menu", "show me the menu"), "/browse_menu")
    if not categories:
        raise ConversationFailed("menu: no category buttons")
    think(user)
    expect("menu_category", say("menu_category", random.choice(categories)), "€")  # the guest clicks one
    for dish in random.sample(DISHES, 2):
        think(user)
        add_dish(say, user, dish)
    think(user)
    question, word = random.choice(QUESTIONS)
    expect("question", say("question", question), word)
    for kind, text, answer in (
        ("checkout", "checkout", "pickup or delivery"),
        ("fulfilment", "pickup", "when"),
        ("pickup_time", "asap", "pay"),
        ("payment", "I'll pay at the counter", "Shall I place"),
    ):
        think(user)
        expect(kind, say(kind, text), answer)
    think(user)
    placed = PLACED.search(expect("confirm", say("confirm", "yes"), "is placed"))
    if placed is None:
        raise ConversationFailed("confirm: no order number in the reply")
    return placed.group(1)


def moodbot(say: Say, user: User) -> None:
    """The stock bot's conversation (rasa init): greet, a mood, yes or no when asked, goodbye."""
    expect("greet", say("greet", "hi"), "how are you")
    think(user)
    if random.random() < 0.5:
        expect("mood", say("mood", "I am feeling great"), "great")
    else:
        expect("mood", say("mood", "I am sad"), "did that help")
        think(user)
        answer, word = random.choice([("yes", "great"), ("no", "bye")])
        expect("affirm_deny", say("affirm_deny", answer), word)
    think(user)
    expect("goodbye", say("goodbye", "bye"), "bye")


def hold(user: User, conversation: Conversation, run: Callable[[Conversation], str | None]) -> None:
    """Run one conversation and report its outcome as a CONVERSATION row (failures with their reason).
    Once the run is stopping no new guest sits down (a guest waking from its pause as the stop comes
    would otherwise be cut off after its first message)."""
    runner = user.environment.runner
    if runner is not None and runner.state in (STATE_CLEANUP, STATE_STOPPING, STATE_STOPPED):
        return
    CONVERSATIONS.append(conversation)
    start = time.perf_counter()
    exception: Exception | None = None
    try:
        conversation.order = run(conversation)
        conversation.status = "placed" if conversation.order else "done"
    except ConversationFailed as failed:
        exception, conversation.status, conversation.reason = failed, "failed", str(failed)
    except gevent.GreenletExit:
        conversation.status, conversation.reason = "interrupted", "stopped at the end of the run"
        raise
    except Exception as error:
        exception, conversation.status, conversation.reason = (
            error,
            "failed",
            f"{type(error).__name__}: {error}",
        )
    finally:
        if conversation.status != "interrupted":
            user.environment.events.request.fire(
                request_type=CONVERSATION,
                name=f"{conversation.channel} {conversation.status}",
                response_time=(time.perf_counter() - start) * 1000,
                response_length=0,
                exception=exception,
                context={},
            )


# -- REST --------------------------------------------------------------------------------------


def read_reply(response: Any) -> tuple[Any, str | None]:
    """A REST answer's JSON body, and why it is an error (None when it is not)."""
    if response.status_code != 200:
        return None, f"HTTP {response.status_code}" + (f" ({response.error})" if response.error else "")
    try:
        return response.json(), None
    except ValueError:
        return None, "the reply is not JSON"


def post(user: FastHttpUser, kind: str, path: str, body: dict[str, Any]) -> Any:
    """One request reported under `kind`: its JSON, or ConversationFailed when there is none."""
    with user.client.post(
        path, json=body, name=kind, catch_response=True, timeout=reply_timeout(user)
    ) as response:
        data, problem = read_reply(response)
        if problem is None and isinstance(data, list):
            problem = trouble(data)  # an answer, but the bot could not do the work
        if problem:
            response.failure(problem)
        else:
            response.success()
    if data is None:
        raise ConversationFailed(f"{kind}: {problem}")
    return data


class RestGuest(FastHttpUser):
    """A guest on the REST channel: asks for a conversation id (POST /webhooks/rest/session), then orders."""

    wait_time = between(1, 3)  # between conversations: the next guest sits down (--think sets it)

    @task
    def converse(self) -> None:
        hold(self, Conversation("rest"), self._order)

    def _order(self, conversation: Conversation) -> str:
        conversation.sender = str(post(self, "session", "/webhooks/rest/session", {})["sender"])
        return order(rest_say(self, conversation.sender), self)


def rest_say(user: FastHttpUser, sender: str) -> Say:
    """Messages through Rasa's REST channel (POST /webhooks/rest/webhook)."""
    return lambda kind, text: post(user, kind, "/webhooks/rest/webhook", {"sender": sender, "message": text})


# -- socket.io ---------------------------------------------------------------------------------


class SocketSay:
    """Messages on Rasa's socket.io channel as the website widget sends them. The server acknowledges
    a `user_uttered` only after its handler has run, so the bot's `bot_uttered` events of that
    turn have all been sent when the acknowledgement arrives: that is the turn's end."""

    def __init__(self, user: User, client: socketio.Client, session: str) -> None:
        self.user, self.client, self.session = user, client, session
        self.received: Messages = []
        client.on("bot_uttered", self.received.append)

    def __call__(self, kind: str, text: str) -> Messages:
        self.received.clear()
        start = time.perf_counter()
        exception: Exception | None = None
        messages: Messages = []
        try:
            self.client.call(
                "user_uttered",
                {"message": text, "session_id": self.session},
                timeout=reply_timeout(self.user),
            )
            gevent.sleep(0)  # let the handlers of events that came before the acknowledgement run
            messages = list(self.received)
            problem = trouble(messages)
            exception = RuntimeError(problem) if problem else None
        except socketio.exceptions.TimeoutError:
            exception = TimeoutError(f"no acknowledgement in {reply_timeout(self.user):.0f} s")
        self.user.environment.events.request.fire(
            request_type="SOCKETIO",
            name=kind,
            response_time=(time.perf_counter() - start) * 1000,
            response_length=sum(len(str(m.get("text") or "")) for m in messages),
            exception=exception,
            context={},
        )
        if isinstance(exception, TimeoutError):
            raise ConversationFailed(f"{kind}: {exception}")
        return messages


class SocketGuest(User):
    """A guest on the website's socket.io channel (websocket transport): connects, is given a
    conversation id (session_request / session_confirm), orders, and leaves."""

    wait_time = between(1, 3)

    @task
    def converse(self) -> None:
        hold(self, Conversation("socketio"), self._order)

    def _order(self, conversation: Conversation) -> str:
        origin = self.environment.parsed_options.origin if self.environment.parsed_options else ""
        client = socketio.Client(
            reconnection=False,
            handle_sigint=False,
            websocket_extra_options={"origin": origin} if origin else {},
        )
        try:
            conversation.sender = self._connect(client)
            return order(SocketSay(self, client, conversation.sender), self)
        finally:
            client.disconnect()

    def _connect(self, client: socketio.Client) -> str:
        confirmed = gevent.event.AsyncResult()
        client.on("session_confirm", confirmed.set)
        start = time.perf_counter()
        exception: Exception | None = None
        try:
            client.connect(self.host, transports=["websocket"], wait_timeout=reply_timeout(self))
            client.emit("session_request", {"session_id": None})
            return str(confirmed.get(timeout=reply_timeout(self)))
        except Exception as error:
            exception = error
            raise ConversationFailed(f"connect: {type(error).__name__}: {error}") from error
        finally:
            self.environment.events.request.fire(
                request_type="SOCKETIO",
                name="connect",
                response_time=(time.perf_counter() - start) * 1000,
                response_length=0,
                exception=exception,
                context={},
            )


# -- the stock bot -----------------------------------------------------------------------------


class StockGuest(FastHttpUser):
    """A guest of the stock moodbot (`rasa init`) on Rasa's own REST channel, which takes any sender."""

    wait_time = between(1, 3)

    @task
    def converse(self) -> None:
        hold(self, Conversation("stock", sender=uuid.uuid4().hex), self._talk)

    def _talk(self, conversation: Conversation) -> None:
        moodbot(rest_say(self, conversation.sender), self)


# -- the summary bench/load_test.py reads ------------------------------------------------------

TIMES: dict[str, float] = {}
WINDOW = {"messages": 0}  # guest messages answered within the run time (-t), for messages/s


@events.test_start.add_listener
def _started(**_: Any) -> None:
    TIMES["start"] = time.time()


@events.request.add_listener
def _counted(request_type: str, name: str, **_: Any) -> None:
    """Messages/s is taken over -t only: the conversations finishing after it (--stop-timeout) still
    give percentiles and orders, but a thinning crowd would understate the rate."""
    if request_type == CONVERSATION or name in SETUP_KINDS or "start" not in TIMES:
        return
    options = _environment_options()
    if options is None or not options.run_time or time.time() <= TIMES["start"] + options.run_time:
        WINDOW["messages"] += 1


@events.test_stop.add_listener
def _stopped(environment: Environment, **_: Any) -> None:
    TIMES["stop"] = time.time()
    options = environment.parsed_options
    if options is not None and options.summary_file:
        Path(options.summary_file).write_text(json.dumps(summary(environment), indent=1))


def figures(entry: StatsEntry) -> dict[str, Any]:
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        **{f"p{int(p * 100)}": entry.get_response_time_percentile(p) for p in (0.5, 0.95, 0.99)},
    }


def summary(environment: Environment) -> dict[str, Any]:
    """Percentiles per turn kind and channel, merged over all guest messages, and every conversation."""
    stats = environment.stats
    turns = [
        entry
        for (name, method), entry in stats.entries.items()
        if method != CONVERSATION and name not in SETUP_KINDS
    ]
    merged = StatsEntry(stats, "all messages", "")
    for entry in turns:
        merged.extend(entry)
    return {
        "started": TIMES.get("start"),
        "stopped": TIMES.get("stop"),
        "run_time": environment.parsed_options.run_time if environment.parsed_options else None,
        "messages_in_run_time": WINDOW["messages"],
        "kinds": [
            {"channel": "rest" if method == "POST" else method.lower(), "kind": name, **figures(entry)}
            for (name, method), entry in sorted(stats.entries.items(), key=lambda item: item[0][::-1])
            if method != CONVERSATION
        ],
        "messages": figures(merged),
        "errors": [
            {
                "kind": error.name,
                "channel": error.method,
                "error": str(error.error),
                "count": error.occurrences,
            }
            for error in stats.errors.values()
        ],
        "conversations": [asdict(conversation) for conversation in CONVERSATIONS],
    }
