"""Load test (issue 17): locust guests order through REST and socket.io, and the stock Rasa bot
(`rasa init`) serves its own guests at the same counts, for the same time, in the same run.

For each guest count, the assistant is measured, the backend is asked whether any order was lost or
duplicated, then the stock bot is measured. Printed as markdown (and kept with locust's CSV and HTML
reports in results/load/<time>/): messages/s, p50/p95/p99 per turn kind, errors, CPU-seconds per
message and peak RSS per service. Benchmarks print figures; they never fail on time.

Guests pause between messages (--think, 1-3 s), so until a bot saturates its messages/s is about
guests / (pause + reply time) for any bot, and the ratio to the stock bot says little; for the
capacity of each, pause almost not at all: --think 0-0.2 --conversation-rate off.

Locust runs in its own environment, .venv-load (requirements/load.txt), made here on first use.

    make bench-load                                               # 20, 50, 100 guests, 5 minutes each
    .venv/bin/python -m bench.load_test --guests 5,10 --duration 30s  # a short try
    # an assistant already running (e.g. nginx before two Rasa servers), service token from the env:
    BACKEND_SERVICE_TOKEN=... .venv/bin/python -m bench.load_test --host http://127.0.0.1:8080 \\
        --backend http://127.0.0.1:8000 --service rasa=port:5005,port:5006 --service backend=port:8000 \\
        --service actions=port:5055 --service nginx=cmd:nginx \\
        --backend-shell '.venv/bin/python backend/manage.py shell -c'

An assistant at --host must be started for it: every guest comes from 127.0.0.1, so CHAT_RATE_LIMIT_PER_IP
high (e.g. 100000/minute), and CHAT_RATE_LIMIT_PER_CONVERSATION at least 60/minute (a guest sends a
dozen messages in about half a minute); a refused message shows up as an error with the bot's notice.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.load import orders, stock_bot
from bench.processes import cpu_seconds, listening_on, resident_mib, running
from tests.prod_stack import prod_benchmark_stack
from tests.stack import ROOT, benchmark_stack

LOAD_VENV = ROOT / ".venv-load"
REQUIREMENTS = ROOT / "requirements" / "load.txt"
LOCUSTFILE = ROOT / "bench" / "load" / "locustfile.py"
RESULTS = ROOT / "results" / "load"


@dataclass
class Target:
    name: str
    url: str
    users: list[str]  # locust user classes
    services: dict[str, set[int]]  # service -> its processes (their children count too)
    origin: str = ""


@dataclass
class Run:
    target: str
    guests: int
    summary: dict[str, Any]
    cpu: dict[str, float]  # CPU-seconds per service during the run
    rss: dict[str, float]  # peak MiB per service
    generator_cpu: float  # the load generator's own CPU-seconds
    orders: orders.OrderCheck | None = None

    @property
    def rate(self) -> float:
        """Guest messages answered per second within the run time."""
        return self.summary["messages_in_run_time"] / (self.summary["run_time"] or self.seconds)

    @property
    def seconds(self) -> float:
        return self.summary["stopped"] - self.summary["started"]

    @property
    def messages(self) -> int:
        return self.summary["messages"]["requests"]

    @property
    def conversations(self) -> Counter[str]:
        return Counter(conversation["status"] for conversation in self.summary["conversations"])

    def cpu_per_message(self, seconds: float) -> str:
        return f"{seconds / self.messages:.3f}" if self.messages else "–"


# -- the load environment ----------------------------------------------------------------------


def load_env() -> Path:
    """.venv-load's locust, made or refreshed when requirements/load.txt changed."""
    locust = LOAD_VENV / "bin" / "locust"
    stamp = LOAD_VENV / ".requirements.sha"
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    if locust.exists() and stamp.exists() and stamp.read_text().strip() == wanted:
        return locust
    print("[bench-load] installing .venv-load from requirements/load.txt", flush=True)
    if not (LOAD_VENV / "bin" / "python").exists():
        subprocess.run([python311(), "-m", "venv", str(LOAD_VENV)], check=True)
    subprocess.run(
        [
            str(LOAD_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "-r",
            str(REQUIREMENTS),
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return locust


def python311() -> str:
    """The interpreter for .venv-load: this one when it is 3.11 (the app environment's), else python3.11."""
    found = sys.executable if sys.version_info[:2] == (3, 11) else shutil.which("python3.11")
    return found or sys.exit("the load environment needs Python 3.11 (python3.11 on PATH)")


# -- what is measured ------------------------------------------------------------------------


@contextmanager
def assistant(args: argparse.Namespace) -> Iterator[tuple[Target, httpx.Client, orders.Shell | None]]:
    """The assistant under test: the one at --host, or the whole stack started here (tests/stack.py)."""
    users = [
        name
        for name, weight in (("RestGuest", args.rest_weight), ("SocketGuest", args.socketio_weight))
        if weight
    ]
    if args.host:
        token = os.environ.get("BACKEND_SERVICE_TOKEN") or sys.exit(
            "--host needs BACKEND_SERVICE_TOKEN in the environment"
        )
        origin = args.origin or (os.environ.get("CHAT_ALLOWED_ORIGINS") or args.backend).split(",")[0]
        with httpx.Client(
            base_url=args.backend, headers={"Authorization": f"Token {token}"}, timeout=30
        ) as client:
            yield (
                Target("assistant", args.host.rstrip("/"), users, services(args.service), origin.strip()),
                client,
                django_shell(args.backend_shell) if args.backend_shell else None,
            )
        return
    if args.topology == "prod":  # PostgreSQL, Redis, nginx, two Rasa servers (scripts/prod.sh)
        with prod_benchmark_stack(
            args.model, CHAT_RATE_LIMIT_PER_CONVERSATION=args.conversation_rate
        ) as prod:
            with prod.backend() as client:
                processes = {name.split(":")[-1]: {pid} for name, pid in prod.service_pids().items()}
                yield (
                    Target("assistant", prod.rasa_url, users, processes, prod.chat_origins[0]),
                    client,
                    prod.orm,
                )
        return
    with benchmark_stack(args.model, CHAT_RATE_LIMIT_PER_CONVERSATION=args.conversation_rate) as stack:
        with stack.backend() as client:
            processes = {name: {process.pid} for name, process in stack.processes.items()}
            yield (
                Target("assistant", stack.rasa_url, users, processes, stack.chat_origins[0]),
                client,
                stack.orm,
            )


def services(specs: list[str]) -> dict[str, set[int]]:
    """--service NAME=pid:N,port:N,cmd:TEXT ... -> the processes of each service."""
    found: dict[str, set[int]] = {}
    for spec in specs:
        name, _, sources = spec.partition("=")
        for source in sources.split(","):
            kind, _, value = source.partition(":")
            pids = {"pid": lambda v: {int(v)}, "port": lambda v: listening_on(int(v)), "cmd": running}[kind](
                value
            )
            if not pids:
                print(f"[bench-load] warning: no process for {name}={source}", flush=True)
            found.setdefault(name, set()).update(pids)
    return found


def django_shell(prefix: str) -> orders.Shell:
    """Runs Django shell code with a command such as `docker compose exec -T backend python manage.py shell -c`."""
    return lambda code: (
        subprocess.run([*shlex.split(prefix), code], capture_output=True, text=True, check=True).stdout
    )


@contextmanager
def stock(workdir: Path) -> Iterator[Target]:
    with stock_bot.serve(workdir) as bot:
        yield Target("stock bot", bot.url, ["StockGuest"], {"rasa": {bot.process.pid}})


def warm_up(target: Target) -> None:
    """A few messages first, so no guest pays for a cold model or empty caches."""
    with httpx.Client(base_url=target.url, timeout=60) as client:
        for _ in range(3):
            sender = (
                client.post("/webhooks/rest/session").json()["sender"]
                if target.name == "assistant"
                else f"warm-up-{time.time_ns()}"
            )
            client.post("/webhooks/rest/webhook", json={"sender": sender, "message": "hi"}).raise_for_status()


def measure(locust: Path, target: Target, guests: int, args: argparse.Namespace, outdir: Path) -> Run:
    """One headless locust run against `target`, with the services' CPU and peak memory meanwhile."""
    prefix = outdir / f"{target.name.replace(' ', '-')}-{guests}"
    command = [
        str(locust),
        "-f",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "-u",
        str(guests),
        "-r",
        str(args.spawn_rate),
        "-t",
        args.duration,
        "--stop-timeout",
        args.stop_timeout,
        "--host",
        target.url,
        "--csv",
        str(prefix),
        "--html",
        f"{prefix}.html",
        "--summary-file",
        f"{prefix}.json",
        "--think-min",
        str(args.think[0]),
        "--think-max",
        str(args.think[1]),
        "--rest-weight",
        str(args.rest_weight),
        "--socketio-weight",
        str(args.socketio_weight),
        "--reply-timeout",
        str(args.reply_timeout),
        *(["--origin", target.origin] if target.origin else []),
        *target.users,
    ]
    print(f"[bench-load] {target.name}, {guests} guests, {args.duration}", flush=True)
    before = {name: cpu_seconds(pids) for name, pids in target.services.items()}
    generator_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak = dict.fromkeys(target.services, 0.0)
    with open(f"{prefix}.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        while process.poll() is None:
            for name, pids in target.services.items():
                peak[name] = max(peak[name], resident_mib(pids))
            time.sleep(2)
    generator = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = {name: cpu_seconds(pids) - before[name] for name, pids in target.services.items()}
    summary_file = Path(f"{prefix}.json")
    if not summary_file.exists():
        sys.exit(f"locust wrote no summary; its log:\n{Path(f'{prefix}.log').read_text()[-4000:]}")
    return Run(
        target.name,
        guests,
        json.loads(summary_file.read_text()),
        cpu,
        peak,
        generator.ru_utime + generator.ru_stime - generator_before.ru_utime - generator_before.ru_stime,
    )


# -- the report --------------------------------------------------------------------------------


def table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return "\n".join(lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows])


def throughput(runs: list[Run]) -> str:
    rows = []
    for run in runs:
        m, c = run.summary["messages"], run.conversations
        rows.append(
            [
                run.target,
                run.guests,
                f"{run.seconds:.0f}",
                run.messages,
                f"{run.rate:.1f}",
                m["p50"],
                m["p95"],
                m["p99"],
                m["failures"],
                f"{c['placed'] + c['done']}/{c['failed']}/{c['interrupted']}",
                run.cpu_per_message(sum(run.cpu.values())) if run.cpu else "not measured",
                f"{run.generator_cpu / run.seconds * 100:.0f}",
            ]
        )
    return table(
        [
            "bot",
            "guests",
            "s",
            "messages",
            "messages/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "failed messages",
            "conversations ok/failed/cut",
            "CPU-s per message",
            "locust CPU %",
        ],
        rows,
    )


def per_kind(runs: list[Run]) -> str:
    rows = [
        [
            run.target,
            run.guests,
            kind["channel"],
            kind["kind"],
            kind["requests"],
            kind["failures"],
            kind["p50"],
            kind["p95"],
            kind["p99"],
        ]
        for run in runs
        for kind in run.summary["kinds"]
    ]
    return table(["bot", "guests", "channel", "turn kind", "n", "failed", "p50 ms", "p95 ms", "p99 ms"], rows)


def per_service(runs: list[Run]) -> str:
    rows = [
        [
            run.target,
            run.guests,
            name,
            f"{run.cpu[name]:.1f}",
            run.cpu_per_message(run.cpu[name]),
            f"{run.rss[name]:.0f}",
        ]
        for run in runs
        for name in run.cpu
    ]
    return table(["bot", "guests", "service", "CPU-s", "CPU-s per message", "peak RSS MiB"], rows)


def order_table(runs: list[Run]) -> str:
    rows = [
        [
            run.guests,
            run.orders.placed,
            run.orders.found,
            "–" if run.orders.in_backend is None else run.orders.in_backend,
            len(run.orders.lost),
            "–" if run.orders.in_backend is None else len(run.orders.duplicated),
            run.orders.of_unfinished,
            run.orders.verdict,
        ]
        for run in runs
        if run.orders
    ]
    return table(
        [
            "guests",
            "conversations told 'placed'",
            "found by number (API)",
            "orders in backend",
            "lost",
            "duplicated",
            "orders of failed/cut conversations",
            "verdict",
        ],
        rows,
    )


def targets(runs: list[Run]) -> str:
    rows = []
    for guests in sorted({run.guests for run in runs}):
        ours = next(r for r in runs if r.guests == guests and r.target == "assistant")
        theirs = next((r for r in runs if r.guests == guests and r.target == "stock bot"), None)
        ratio = f"{ours.rate / theirs.rate:.2f}×" if theirs and theirs.rate else "–"
        rows.append(
            [
                guests,
                f"{ours.rate:.1f}",
                f"{theirs.rate:.1f}" if theirs else "–",
                ratio,
                ours.summary["messages"]["p95"],
            ]
        )
    return table(
        [
            "guests",
            "assistant messages/s",
            "stock bot messages/s",
            "ratio (target ≥ 1.7×)",
            "assistant p95 ms (target ≤ 500 at 20 guests)",
        ],
        rows,
    )


def failures(runs: list[Run]) -> str:
    lines = []
    for run in runs:
        reasons = Counter(c["reason"] for c in run.summary["conversations"] if c["reason"])
        reasons.update(
            {
                f"{e['channel']} {e['kind']}: {e['error']}": e["count"]
                for e in run.summary["errors"]
                if e["channel"] != "CONVERSATION"
            }
        )
        lines += [
            f"- {run.target}, {run.guests} guests: {count}× {reason[:200]}"
            for reason, count in reasons.most_common(8)
        ]
    return "\n".join(lines) or "none"


def report(runs: list[Run], args: argparse.Namespace, outdir: Path) -> str:
    return "\n\n".join(
        [
            f"## Load test: {args.duration} per run, think time {args.think[0]:g}–{args.think[1]:g} s, "
            f"REST:socket.io guests {args.rest_weight}:{args.socketio_weight}",
            "Messages/s counts guest messages answered within the run time; percentiles cover every message, "
            "including those of conversations finishing after it.",
            throughput(runs),
            "### Against the targets",
            targets(runs),
            "### Per turn kind",
            per_kind(runs),
            "### Per service",
            per_service(runs),
            "### Orders",
            order_table(runs),
            "### Failures and errors",
            failures(runs),
            f"Locust's CSV and HTML reports: {outdir}",
        ]
    )


# -- command line ------------------------------------------------------------------------------


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The docstring as written (its examples), and each option's default."""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=HelpFormatter)
    parser.add_argument("--guests", default="20,50,100", help="simulated guests at once, one run per count")
    parser.add_argument("--duration", default="5m", help="locust run time per run (30s, 5m, ...)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="guests arriving per second at the start")
    parser.add_argument(
        "--stop-timeout",
        default="90s",
        help="how long guests in a conversation may finish it after the run time",
    )
    parser.add_argument("--think", default="1-3", help="pause between a guest's messages, seconds MIN-MAX")
    parser.add_argument("--rest-weight", type=int, default=1, help="share of REST guests")
    parser.add_argument("--socketio-weight", type=int, default=1, help="share of socket.io guests")
    parser.add_argument("--reply-timeout", type=float, default=60, help="longest wait for one reply, seconds")
    parser.add_argument("--host", help="Rasa URL of an assistant already running (else one is started here)")
    parser.add_argument(
        "--topology",
        choices=("prod", "dev"),
        default="prod",
        help="without --host, what is started: prod = scripts/prod.sh's PostgreSQL, Redis, nginx and two "
        "Rasa servers under supervisord; dev = make serve's three processes on SQLite",
    )
    parser.add_argument(
        "--backend",
        default=os.environ.get("BACKEND_URL", "http://127.0.0.1:8000"),
        help="with --host: the backend's URL (service token: BACKEND_SERVICE_TOKEN)",
    )
    parser.add_argument(
        "--origin", help="with --host: Origin for socket.io; unset: the first of CHAT_ALLOWED_ORIGINS"
    )
    parser.add_argument(
        "--service",
        action="append",
        default=[],
        metavar="NAME=pid:N,port:N,cmd:TEXT",
        help="with --host: a service to measure (CPU, RSS) and its processes: by id, by listening port, or "
        "every process whose command line contains TEXT; children count too; repeatable",
    )
    parser.add_argument(
        "--backend-shell",
        metavar="COMMAND",
        help="with --host: runs Django shell code, e.g. 'docker compose exec -T backend python "
        "manage.py shell -c'; without it duplicated orders are not checked",
    )
    parser.add_argument(
        "--model", type=Path, help="without --host: the model to serve; unset: the newest in models/"
    )
    parser.add_argument(
        "--conversation-rate",
        default="120/minute",
        help="without --host: CHAT_RATE_LIMIT_PER_CONVERSATION of the started stack",
    )
    args = parser.parse_args()
    args.guests = [int(count) for count in args.guests.split(",")]
    low, _, high = args.think.partition("-")
    args.think = (float(low), float(high or low))
    return args


def main() -> None:
    args = parse_args()
    locust = load_env()
    outdir = RESULTS / time.strftime("%Y%m%d-%H%M%S")
    outdir.mkdir(parents=True)
    runs: list[Run] = []
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        ours, backend, shell = stack.enter_context(assistant(args))
        theirs = stack.enter_context(stock(Path(tmp)))
        warm_up(ours)
        warm_up(theirs)
        for guests in args.guests:
            run = measure(locust, ours, guests, args, outdir)
            run.orders = orders.check(run.summary["conversations"], backend, shell, run.summary["started"])
            runs += [run, measure(locust, theirs, guests, args, outdir)]
    text = report(runs, args, outdir)
    (outdir / "report.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
