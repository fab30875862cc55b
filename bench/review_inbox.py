"""Review inbox speed on a big tracker store: 10,000 conversations of 20 turns each (about 1.2 M events).

Builds the tracker database with Rasa's own table definition and event JSON (taken from the fixture
that Rasa's SQLTrackerStore wrote, backend/apps/review/tests/fixtures/tracker.db), then times the
first summary build, an incremental refresh, and inbox pages (the whole Django view, rendered) with
and without filters. It prints figures and never fails on time.

    .venv/bin/python -m bench.review_inbox [--conversations 10000] [--turns 20]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "backend" / "apps" / "review" / "tests" / "fixtures" / "tracker.db"


def build_tracker(path: Path, conversations: int, turns: int) -> int:
    src = sqlite3.connect(FIXTURE)
    schema = [row[0] for row in src.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")]
    templates = {
        row[0]: json.loads(row[1])
        for row in src.execute(
            "SELECT type_name, data FROM events WHERE sender_id = 'guest-lowconf' ORDER BY id DESC"
        )
    }
    dst = sqlite3.connect(path)
    for sql in schema:
        dst.execute(sql)
    rng = random.Random(7)
    intents = [
        "order_item",
        "browse_menu",
        "ask_faq",
        "checkout",
        "affirm",
        "view_cart",
        "recommend",
        "nlu_fallback",
    ]
    actions = [
        "action_prepare_order",
        "action_show_menu",
        "action_answer_faq",
        "action_view_cart",
        "action_free_form",
        "action_handoff",
        "action_place_order",
    ]
    rows, event_id, t0 = [], 0, 1764000000.0

    def add(sender, type_name, ts, intent, action, data):
        nonlocal event_id
        event_id += 1
        data["timestamp"] = ts
        rows.append((event_id, sender, type_name, ts, intent, action, json.dumps(data)))

    for c in range(conversations):
        sender = f"guest-{c:05d}-{rng.getrandbits(32):08x}"
        ts = t0 + c * 60
        add(
            sender,
            "action",
            ts,
            None,
            "action_session_start",
            dict(templates["action"], name="action_session_start"),
        )
        add(sender, "session_started", ts, None, None, {"event": "session_started", "timestamp": ts})
        channel = rng.choice(["rest", "socketio", "website"])
        for t in range(turns):
            ts += 2
            intent = rng.choice(intents)
            conf = round(rng.uniform(0.3, 1.0), 3)
            user = json.loads(json.dumps(templates["user"]))
            user.update(text=f"message {t} of conversation {c}", input_channel=channel)
            user["parse_data"]["intent"] = {"name": intent, "confidence": conf}
            user["parse_data"]["intent_ranking"] = [
                {"name": intent, "confidence": conf},
                {"name": "affirm", "confidence": round((1 - conf) / 2, 3)},
            ]
            add(sender, "user", ts, intent, None, user)
            action = rng.choice(actions)
            add(sender, "action", ts + 0.1, None, action, dict(templates["action"], name=action))
            if t == 1:
                add(
                    sender,
                    "slot",
                    ts + 0.2,
                    None,
                    "cart_id",
                    {"event": "slot", "name": "cart_id", "value": f"c-{c}"},
                )
            add(sender, "bot", ts + 0.3, None, None, dict(templates["bot"], text="ok"))
            add(
                sender,
                "action",
                ts + 0.4,
                None,
                "action_listen",
                dict(templates["action"], name="action_listen"),
            )
        if len(rows) > 200000:
            dst.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
            rows.clear()
    dst.executemany("INSERT INTO events VALUES (?,?,?,?,?,?,?)", rows)
    dst.commit()
    dst.close()
    return event_id


def timed(fn, repeat=5):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--turns", type=int, default=20)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="review-bench-"))
    tracker = tmp / "tracker.db"
    start = time.perf_counter()
    events = build_tracker(tracker, args.conversations, args.turns)
    print(
        f"tracker store: {args.conversations} conversations x {args.turns} turns = {events} events "
        f"({tracker.stat().st_size / 1e6:.0f} MB), built in {time.perf_counter() - start:.1f} s"
    )

    os.environ["TRACKER_DATABASE_URL"] = f"sqlite:///{tracker}"
    os.environ["SQLITE_PATH"] = str(tmp / "backend.sqlite3")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "restaurant_backend.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.contrib.auth.models import Permission, User
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    from apps.review.tracker import refresh_summaries

    setup_test_environment()
    call_command("migrate", verbosity=0)
    start = time.perf_counter()
    refresh_summaries()
    print(f"first summary build (once, then incremental): {time.perf_counter() - start:.1f} s")
    user = User.objects.create_user("bench", password="x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="reviewer"))
    client = Client()
    client.force_login(user)

    def page(query):
        response = client.get("/review/?" + query)
        assert response.status_code == 200, response.status_code
        return response

    for label, query in [
        ("first page, no filter", ""),
        ("page 100", "page=100"),
        ("confidence below 0.35", "conf_below=0.35"),
        ("channel + fallback + abandoned", "channel=rest&has_fallback=1&abandoned=1"),
        ("intent checkout, status new", "intent=checkout&status=new"),
    ]:
        count = page(query).context["page"].paginator.count
        print(
            f"inbox {label:32s}: {timed(lambda query=query: page(query)) * 1000:7.1f} ms per page (median of 5), "
            f"{count} matching"
        )
    conn = sqlite3.connect(tracker)
    last = conn.execute("SELECT max(id) FROM events").fetchone()[0]
    conn.execute(
        "INSERT INTO events SELECT id + ?, 'guest-new', type_name, timestamp, intent_name, action_name, data "
        "FROM events WHERE id <= 100",
        [last],
    )
    conn.commit()
    start = time.perf_counter()
    seen = refresh_summaries()
    print(f"incremental refresh after {seen} new events: {(time.perf_counter() - start) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
