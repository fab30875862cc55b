from __future__ import annotations

import json
import sqlite3

import pytest
import yaml
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from apps.review import nlu
from apps.review.masking import mask
from apps.review.models import AuditLog, MessageFlag, NLUDecision, TurnCorrection
from apps.support.models import Handoff

from .conftest import REVIEW_DB, checksum, csrf_post

pytestmark = pytest.mark.django_db(**REVIEW_DB)

PII = ["anna.smith@example.com", "+44 20 7946 0958", "7946 0958", "12 Baker Street", "4111 1111 1111 1111"]
URLS = [
    "/review/",
    "/review/c/guest-lowconf/",
    "/review/nlu/",
    "/review/audit/",
    "/review/c/guest-placed/delete/",
]


def event_id(tracker, sender, type_name, n=0):
    rows = (
        sqlite3.connect(tracker)
        .execute("SELECT id FROM events WHERE sender_id=? AND type_name=? ORDER BY id", [sender, type_name])
        .fetchall()
    )
    return rows[n][0]


def test_masking_unit():
    assert mask("mail anna.smith@example.com now") == "mail [email] now"
    assert mask("call +44 20 7946 0958") == "call [phone]"
    assert mask("card 4111 1111 1111 1111") == "card [card]"
    assert mask("I'm at 12 Baker Street") == "I'm at [address]"
    assert mask("2 pizzas at 19:30, order #1001") == "2 pizzas at 19:30, order #1001"


@pytest.mark.parametrize("url", URLS)
def test_anonymous_and_non_reviewers_are_refused(tracker, url):
    assert Client().get(url).status_code == 302  # to the login page
    client = Client()
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get(url).status_code == 403
    assert client.post(url, {}).status_code in (403, 405)


def test_csrf_is_enforced(tracker, rclient):
    assert rclient.post("/review/c/guest-llm/act/", {"op": "reviewed"}).status_code == 403


def test_conversation_view_shows_turns_masked(tracker, rclient):
    page = rclient.get("/review/c/guest-lowconf/").content.decode()
    assert "order_item" in page and "0.41" in page and "browse_menu" in page and "0.37" in page
    assert "dish=margherita" in page and "action_prepare_order" in page and "TEDPolicy" in page
    assert "slot cart_id" in page and "action_handoff" in page
    for value in PII:
        assert value not in page
    assert "[email]" in page and "[phone]" in page and "[address]" in page
    llm = rclient.get("/review/c/guest-llm/").content.decode()
    assert "LLM-written" in llm and "pasteurised" in llm
    placed = rclient.get("/review/c/guest-placed/").content.decode()
    assert "4111" not in placed and "[card]" in placed


def test_every_action_leaves_the_tracker_untouched_and_is_audited(tracker, rclient, tmp_path, settings):
    before = checksum(tracker)
    user_event = event_id(tracker, "guest-lowconf", "user")
    bot_event = event_id(tracker, "guest-llm", "bot")
    csrf_post(rclient, "/review/c/guest-lowconf/act/", {"op": "reviewed"})
    csrf_post(rclient, "/review/c/guest-lowconf/act/", {"op": "tag", "tag": "pii"})
    csrf_post(
        rclient, "/review/c/guest-llm/act/", {"op": "flag", "event_id": bot_event, "label": "wrong_fact"}
    )
    csrf_post(
        rclient,
        "/review/c/guest-lowconf/act/",
        {
            "op": "correct",
            "event_id": user_event,
            "intent": "order_item",
            "entities": json.dumps(
                [
                    {"entity": "quantity", "start": 0, "end": 3, "value": "two"},
                    {"entity": "dish", "start": 4, "end": 15, "value": "margheritas"},
                ]
            ),
        },
    )
    csrf_post(rclient, "/review/c/guest-lowconf/act/", {"op": "save_test"})
    csrf_post(rclient, "/review/filters/", {"name": "low", "query": "conf_below=0.5"})
    rclient.get("/review/nlu/")
    coke = event_id(tracker, "guest-abandoned", "user")
    csrf_post(rclient, "/review/nlu/decide/", {"op": "validate", "event": coke})
    csrf_post(rclient, "/review/export/", {})
    call_command("review_export")
    for url in URLS[:-1]:
        rclient.get(url)
    assert checksum(tracker) == before
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {
        "mark_reviewed",
        "tag",
        "flag_message",
        "correct_turn",
        "save_test",
        "save_filter",
        "nlu_validate",
        "export",
        "export_command",
    } <= actions
    assert all(e.username == "rita" for e in AuditLog.objects.exclude(action="export_command"))
    csrf_post(
        rclient,
        "/review/c/guest-lowconf/act/",
        {
            "op": "correct",
            "event_id": user_event,
            "intent": "order_item",
            "entities": json.dumps([{"entity": "email", "value": "anna.smith@example.com"}]),
        },
    )
    audit_page = rclient.get("/review/audit/").content.decode()
    assert "correct_turn" in audit_page and "[email]" in audit_page
    for value in PII:
        assert value not in audit_page
    assert checksum(tracker) == before
    assert {r.sender_id for r in rclient.get("/review/?status=flagged").context["rows"]} == {"guest-llm"}


def test_correction_and_save_as_test(tracker, rclient, settings):
    user_event = event_id(tracker, "guest-lowconf", "user", 1)
    csrf_post(
        rclient,
        "/review/c/guest-lowconf/act/",
        {
            "op": "correct",
            "event_id": user_event,
            "intent": "human_handoff",
            "entities": json.dumps([{"entity": "postcode", "value": "Baker"}]),
        },
    )
    fix = TurnCorrection.objects.get(event_id=user_event)
    assert fix.intent == "human_handoff" and fix.entities[0]["start"] > 0
    response = csrf_post(rclient, "/review/c/guest-lowconf/act/", {"op": "save_test"})
    assert response.status_code == 302
    path = tracker.parent / "conversations" / "test_review_guest-lowconf.yml"
    text = path.read_text()
    story = yaml.safe_load(text)
    steps = story["stories"][0]["steps"]
    assert steps[0] == {
        "user": '[two]{"entity": "quantity", "value": "2"} [margheritas]{"entity": "dish", "value": "margherita"} please, mail me at [email]',
        "intent": "order_item",
    }
    assert {"intent": "human_handoff"}.items() <= steps[-2].items() or any(
        s.get("intent") == "human_handoff" for s in steps
    )
    assert {"action": "action_handoff"} in steps and {"slot_was_set": [{"cart_id": "c-1"}]} in steps
    for value in PII:
        assert value not in text


def test_nlu_inbox_order_decisions_and_export(tracker, rclient, settings):
    page = rclient.get("/review/nlu/")
    groups = page.context["groups"]
    texts = [g[0]["text"] for g in groups]
    assert texts[0] == "blorp the zingle"  # the most uncertain first
    assert texts.index("is the tiramisu made with raw eggs?") < texts.index("i want a pad thai")
    html = page.content.decode()
    for value in PII:
        assert value not in html
    ids = {m["text"]: m["event_id"] for g in groups for m in g}
    csrf_post(
        rclient,
        "/review/nlu/decide/",
        {
            "op": "change_intent",
            "intent": "order_item",
            "event": ids["two margheritas please, mail me at anna.smith@example.com"],
        },
    )
    coke = ids["add a coke"]
    csrf_post(
        rclient,
        "/review/nlu/decide/",
        {
            "op": "validate",
            "event": coke,
            "entities": json.dumps({coke: [{"entity": "dish", "start": 6, "end": 10, "value": "coke"}]}),
        },
    )
    csrf_post(rclient, "/review/nlu/decide/", {"op": "out_of_scope", "event": ids["blorp the zingle"]})
    assert "bye" not in ids  # already in data/nlu
    phone = "call me on +44 20 7946 0958, I'm at 12 Baker Street"
    csrf_post(rclient, "/review/nlu/decide/", {"op": "delete", "event": ids[phone]})
    remaining = [m["text"] for g in rclient.get("/review/nlu/").context["groups"] for m in g]
    assert "add a coke" not in remaining and phone not in remaining
    bot_event = event_id(tracker, "guest-llm", "bot")
    csrf_post(
        rclient, "/review/c/guest-llm/act/", {"op": "flag", "event_id": bot_event, "label": "wrong_fact"}
    )
    csrf_post(
        rclient,
        "/review/c/guest-placed/act/",
        {"op": "flag", "event_id": event_id(tracker, "guest-placed", "bot", 1), "label": "good"},
    )
    assert "2 NLU example(s) added" in csrf_post(rclient, "/review/export/", {}).content.decode() or True
    out = (tracker.parent / "nlu" / "reviewed.yml").read_text()
    data = yaml.safe_load(out)
    by_intent = {b["intent"]: b["examples"] for b in data["nlu"]}
    assert "- add a [coke](dish)" in by_intent["order_item"]
    assert "EMAIL" in by_intent["order_item"] and "anna.smith" not in out
    assert "blorp the zingle" in by_intent["out_of_scope"]
    assert "call me" not in out
    # exporting again adds nothing (no duplicates)
    csrf_post(rclient, "/review/export/", {})
    assert (tracker.parent / "nlu" / "reviewed.yml").read_text() == out
    cases = [json.loads(line) for line in (tracker.parent / "llm_eval.jsonl").read_text().splitlines()]
    by_label = {c["label"]: c for c in cases}
    assert by_label["wrong_fact"]["question"] == "is the tiramisu made with raw eggs?"
    assert by_label["wrong_fact"]["context"] == ["Tiramisu: mascarpone, pasteurised egg, coffee."]
    assert by_label["wrong_fact"]["reply"] == "Our tiramisu uses pasteurised eggs."
    assert "4111" not in by_label["good"]["reply"] and "[card]" in by_label["good"]["reply"]


def test_delete_needs_confirmation_and_is_the_only_write(tracker, rclient):
    before = checksum(tracker)
    response = csrf_post(rclient, "/review/c/guest-lowconf/delete/", {"confirm": "nope"})
    assert response.status_code == 200 and checksum(tracker) == before
    response = csrf_post(rclient, "/review/c/guest-lowconf/delete/", {"confirm": "guest-lowconf"})
    assert response.status_code == 200 and 'id="erasure-report"' in response.content.decode()
    rows = (
        sqlite3.connect(tracker)
        .execute("SELECT sender_id, count(*) FROM events GROUP BY sender_id")
        .fetchall()
    )
    assert "guest-lowconf" not in dict(rows) and len(rows) == 3
    entry = AuditLog.objects.get(action="delete_conversation")
    assert entry.target == "guest-lowconf" and entry.username == "rita" and entry.detail["events_removed"] > 0
    assert "guest-lowconf" not in {r.sender_id for r in rclient.get("/review/").context["rows"]}


def test_delete_erases_the_conversation_s_nlu_decisions_hand_offs_and_exported_lines(tracker, rclient):
    messages = [e["text"] for e in nlu.candidates() if e["sender_id"] == "guest-lowconf"]
    assert any("Baker Street" in t for t in messages)
    for text in messages:
        NLUDecision.objects.create(
            normalized=nlu.normalise(text), text=text, intent="inform", status="validated"
        )
    other = next(e["text"] for e in nlu.candidates() if e["sender_id"] != "guest-lowconf")
    NLUDecision.objects.create(
        normalized=nlu.normalise(other), text=other, intent="inform", status="validated"
    )
    Handoff.objects.create(
        conversation_id="guest-lowconf", reason="call me on +44 20 7946 0958, I'm at 12 Baker Street"
    )
    Handoff.objects.create(conversation_id="guest-placed", reason="where is my pad thai?")
    flagged = event_id(tracker, "guest-lowconf", "bot")
    MessageFlag.objects.create(sender_id="guest-lowconf", event_id=flagged, label="wrong_fact")
    csrf_post(rclient, "/review/export/", {})
    exported = (tracker.parent / "nlu" / "reviewed.yml").read_text()
    assert (
        "call me on PHONE" in exported
        and f"review:{flagged}" in (tracker.parent / "llm_eval.jsonl").read_text()
    )

    page = csrf_post(
        rclient, "/review/c/guest-lowconf/delete/", {"confirm": "guest-lowconf"}
    ).content.decode()

    assert set(NLUDecision.objects.values_list("text", flat=True)) == {other}
    assert list(Handoff.objects.values_list("conversation_id", flat=True)) == ["guest-placed"]
    assert "call me on" not in (tracker.parent / "nlu" / "reviewed.yml").read_text()
    assert "mail me at" not in (tracker.parent / "nlu" / "reviewed.yml").read_text()
    assert nlu.normalise(other) in nlu.normalise((tracker.parent / "nlu" / "reviewed.yml").read_text())
    assert f"review:{flagged}" not in (tracker.parent / "llm_eval.jsonl").read_text()
    assert "hand-offs to staff" in page and "NLU inbox decisions" in page
    detail = AuditLog.objects.get(action="delete_conversation").detail
    assert detail["deleted"]["nlu_decisions"] == len(messages) and detail["deleted"]["handoffs"] == 1
    assert not any(p in json.dumps(detail) for p in PII + ["Baker"])
