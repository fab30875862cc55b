from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from apps.ordering.models import Cart, Order
from apps.review.tests.conftest import REVIEW_DB
from apps.support.models import Handoff

pytestmark = pytest.mark.django_db(**REVIEW_DB)

URL = "/insights/?from=2025-11-23&to=2025-11-25"
DAY1, DAY2 = "2025-11-24", "2025-11-25"


def order(conversation_id: str, total: str, when: str, status: str = Order.Status.PLACED) -> Order:
    cart = Cart.objects.create(conversation_id=conversation_id, channel="rest", status=Cart.Status.ORDERED)
    n = Order.objects.count() + 1
    o = Order.objects.create(
        idempotency_key=f"k-{n}",
        request_fingerprint="f",
        cart=cart,
        fulfilment="pickup",
        status=status,
        subtotal=Decimal(total),
        total=Decimal(total),
        conversation_id=conversation_id,
        cancellable_until=timezone.now(),
    )
    Order.objects.filter(pk=o.pk).update(
        created_at=dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone.utc)
    )
    return o


@pytest.fixture
def orders(db):
    order("ins-full", "24.50", "2025-11-24T17:00:00")
    order("ins-reco", "5.50", "2025-11-24T23:59:00")
    order("ins-day2", "11.00", "2025-11-25T10:00:00")
    order("", "50.00", "2025-11-25T11:00:00")  # not via chat
    order("ins-day2", "9.00", "2025-11-25T12:00:00", status=Order.Status.CANCELLED)
    order("ins-full", "99.00", "2025-11-26T00:00:01")  # outside the range


def q4(value: Decimal) -> str:
    """As the template's floatformat:4 shows it (half up)."""
    return str(value.quantize(Decimal("0.0001"), ROUND_HALF_UP))


def cells(page: str, table: str, attr: str, key: str) -> dict[str, str]:
    body = re.search(rf'<table id="{table}">.*?</table>', page, re.S).group(0)
    row = re.search(rf'<tr data-{attr}="{key}">(.*?)</tr>', body, re.S).group(1)
    return dict(re.findall(r'<td class="([\w-]+)">(.*?)</td>', row, re.S))


def expected_costs(path) -> dict[str, Decimal]:
    """LLM cost per day straight from the fixture's bot events, independently of the app's SQL."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for ts, data in sqlite3.connect(path).execute(
        "SELECT timestamp, data FROM events WHERE type_name = 'bot'"
    ):
        cost = (json.loads(data).get("metadata") or {}).get("llm_cost_usd")
        if cost is not None:
            out[dt.datetime.fromtimestamp(ts, dt.timezone.utc).date().isoformat()] += Decimal(cost)
    return out


def test_anonymous_and_plain_staff_are_refused(tracker):
    assert Client().get("/insights/").status_code == 302
    client = Client()
    client.force_login(User.objects.create_user("staff", password="pw", is_staff=True))
    assert client.get("/insights/").status_code == 403
    assert client.post("/insights/", {}).status_code in (403, 405)


def test_permission_without_staff_is_refused(tracker, owner):
    owner.is_staff = False
    owner.save()
    client = Client()
    client.force_login(owner)
    assert client.get("/insights/").status_code == 403


def test_per_day_figures(tracker, orders, oclient):
    response = oclient.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    costs = expected_costs(tracker)
    assert costs[DAY1] == Decimal("0.0221") and costs[DAY2] == Decimal("0.0040")

    zero = cells(page, "per-day", "day", "2025-11-23")
    assert zero == {
        "conversations": "0",
        "orders": "0",
        "revenue": "0.00",
        "cost": "0.0000",
        "cost-per-order": "–",
    }
    day1 = cells(page, "per-day", "day", DAY1)
    assert (day1["conversations"], day1["orders"], day1["revenue"]) == ("3", "2", "30.00")
    assert day1["cost"] == q4(costs[DAY1])
    assert day1["cost-per-order"] == q4(costs[DAY1] / 2)
    day2 = cells(page, "per-day", "day", DAY2)
    assert (day2["conversations"], day2["orders"], day2["revenue"]) == ("2", "1", "11.00")
    assert day2["cost"] == q4(costs[DAY2]) and day2["cost-per-order"] == q4(costs[DAY2])

    total = costs[DAY1] + costs[DAY2]
    assert re.search(r'id="total-conversations">5<', page)
    assert re.search(r'id="total-orders">3<', page) and re.search(r'id="total-revenue">41.00<', page)
    assert f'id="total-cost">{q4(total)}<' in page
    assert f'id="total-cost-per-order">{q4(total / 3)}<' in page

    data = json.loads(
        re.search(r'<script id="insights-data" type="application/json">(.*?)</script>', page, re.S).group(1)
    )
    assert data["labels"] == ["2025-11-23", DAY1, DAY2]
    assert data["orders"] == [0, 2, 1] and data["conversations"] == [0, 3, 2]
    assert data["cost"] == pytest.approx([0.0, 0.0221, 0.004])


def test_funnel(tracker, oclient):
    page = oclient.get(URL).content.decode()
    # 5 conversations: ins-full (all steps), ins-reco (greet, recommendation), ins-browse (greet),
    # ins-day2 (item, checkout, placed without greeting), ins-fallback (nothing).
    expected = {"greet": 3, "menu": 2, "item": 2, "checkout": 2, "placed": 2}
    for step, count in expected.items():
        row = cells(page, "funnel", "step", step)
        assert row["count"] == str(count)
        assert row["share"] == f"{round(100 * count / 5)}%"
    one_day = oclient.get("/insights/?from=2025-11-25&to=2025-11-25").content.decode()
    assert cells(one_day, "funnel", "step", "greet")["count"] == "0"
    assert cells(one_day, "funnel", "step", "placed") == {"count": "1", "share": "50%"}


def test_unanswered_questions_and_fallbacks_are_linked_and_masked(tracker, oclient):
    page = oclient.get(URL).content.decode()
    unanswered = re.search(r'<table id="unanswered">.*?</table>', page, re.S).group(0)
    # Two guests asked about vegan cake (normalised to one question) and got "I don't know".
    row = re.search(
        r"<tr><td>Do you have vegan cake\?</td><td class=\"count\">2</td>(.*?)</tr>", unanswered, re.S
    )
    assert (
        row
        and 'href="/review/c/ins-browse/"' in row.group(1)
        and 'href="/review/c/ins-day2/"' in row.group(1)
    )
    # The question with an email address is shown masked and still linked to its conversation.
    assert "anna.smith@example.com" not in page
    row = re.search(r"<tr><td>Can you send the allergen list to \[email\]\?</td>(.*?)</tr>", unanswered, re.S)
    assert row and 'href="/review/c/ins-reco/"' in row.group(1)
    assert re.search(r"blorp the zingle</td><td class=\"count\">2</td><td>nlu_fallback", unanswered)
    fallbacks = re.search(r'<table id="fallbacks">.*?</table>', page, re.S).group(0)
    assert re.search(r"blorp the zingle</td><td class=\"count\">2</td><td>action_default_fallback", fallbacks)
    assert 'href="/review/c/ins-fallback/"' in fallbacks


def test_page_loads_charts_from_own_origin_without_inline_code(tracker, oclient):
    page = oclient.get("/insights/").content.decode()  # default range: the last 30 days, none in the fixture
    assert '<script src="/static/insights/vendor/chart.umd.js"></script>' in page
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert all("src=" in attrs or 'type="application/json"' in attrs for attrs, _ in scripts)
    assert len(re.findall(r'<tr data-day="', page)) == 30


def test_requests_for_a_person_per_day(tracker, oclient):
    def at(when: str) -> dt.datetime:
        return dt.datetime.fromisoformat(when).replace(tzinfo=dt.timezone.utc)

    def handoff(created: str, status: str, claimed: str | None = None, closed: str | None = None) -> None:
        row = Handoff.objects.create(conversation_id="ins-h", status=status)
        Handoff.objects.filter(pk=row.pk).update(
            created_at=at(created), claimed_at=claimed and at(claimed), closed_at=closed and at(closed)
        )

    handoff("2025-11-24T12:00:00", Handoff.Status.CLOSED, "2025-11-24T12:02:00", "2025-11-24T12:12:00")
    handoff("2025-11-24T23:59:00", Handoff.Status.CLOSED, "2025-11-25T00:03:00", "2025-11-25T00:09:00")
    handoff("2025-11-25T03:00:00", Handoff.Status.ABANDONED)
    handoff("2025-11-25T18:00:00", Handoff.Status.OPEN)
    page = oclient.get(URL).content.decode()
    assert cells(page, "handoffs", "handoff-day", DAY1) == {
        "requested": "2",
        "claimed": "1",
        "resolved": "1",
        "abandoned": "0",
        "to-claim": "2.0",
        "held": "10.0",
    }
    assert cells(page, "handoffs", "handoff-day", DAY2) == {
        "requested": "2",
        "claimed": "1",
        "resolved": "1",
        "abandoned": "1",
        "to-claim": "4.0",
        "held": "6.0",
    }
