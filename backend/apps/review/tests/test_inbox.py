from __future__ import annotations

import pytest

from apps.review.models import ConversationSummary
from apps.review.tracker import refresh_summaries

from .conftest import REVIEW_DB

pytestmark = pytest.mark.django_db(**REVIEW_DB)


def test_summary_is_built_from_real_rasa_events(tracker):
    assert refresh_summaries() == 50
    low = ConversationSummary.objects.get(sender_id="guest-lowconf")
    assert low.turns == 2 and low.channel == "rest" and low.min_confidence == pytest.approx(0.41)
    assert low.has_handoff and low.cart_set and not low.placed
    assert ConversationSummary.objects.get(sender_id="guest-placed").placed
    assert ConversationSummary.objects.get(sender_id="guest-llm").has_fallback
    assert refresh_summaries() == 0  # incremental: nothing new


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", {"guest-lowconf", "guest-placed", "guest-llm", "guest-abandoned"}),
        ("conf_below=0.5", {"guest-lowconf", "guest-llm"}),
        ("channel=socketio", {"guest-placed"}),
        ("has_fallback=1", {"guest-llm"}),
        ("has_handoff=1", {"guest-lowconf"}),
        ("placed=1", {"guest-placed"}),
        ("abandoned=1", {"guest-lowconf", "guest-abandoned"}),
        ("intent=goodbye", {"guest-abandoned"}),
        ("action=action_place_order", {"guest-placed"}),
        ("min_turns=3", set()),
        ("from=2025-11-24&to=2025-11-24", {"guest-lowconf", "guest-placed", "guest-llm", "guest-abandoned"}),
        ("from=2025-11-25", set()),
        ("status=new", {"guest-lowconf", "guest-placed", "guest-llm", "guest-abandoned"}),
        ("status=reviewed", set()),
    ],
)
def test_inbox_filters(tracker, rclient, query, expected):
    response = rclient.get("/review/?" + query)
    assert response.status_code == 200
    shown = {r.sender_id for r in response.context["rows"]}
    assert shown == expected


def test_status_tag_and_saved_filter(tracker, rclient):
    from .conftest import csrf_post

    csrf_post(rclient, "/review/c/guest-llm/act/", {"op": "reviewed"})
    csrf_post(rclient, "/review/c/guest-llm/act/", {"op": "tag", "tag": "faq, eggs"})
    assert {r.sender_id for r in rclient.get("/review/?status=reviewed").context["rows"]} == {"guest-llm"}
    assert {r.sender_id for r in rclient.get("/review/?tag=eggs").context["rows"]} == {"guest-llm"}
    csrf_post(rclient, "/review/filters/", {"name": "low", "query": "conf_below=0.5"})
    page = rclient.get("/review/").content.decode()
    assert 'href="?conf_below=0.5">low</a>' in page


def test_missing_tracker_store_is_reported_not_a_crash(tracker, rclient):
    tracker.unlink()
    from django.db import connections

    connections["tracker"].close()
    response = rclient.get("/review/")
    assert response.status_code == 200 and b"not reachable" in response.content
