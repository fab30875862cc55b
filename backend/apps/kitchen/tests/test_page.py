"""The kitchen page: staff only, open orders oldest first, buttons for the allowed next steps."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from apps.ordering.checkout import details_link_token
from apps.ordering.models import Order
from apps.ordering.orders import set_status
from apps.support.models import Handoff
from tests.conftest import new_cart, option_id, place

pytestmark = pytest.mark.django_db


def order_of(api, *lines, key: str, **overrides) -> Order:
    response = place(api, new_cart(api, *lines)["id"], key=key, **overrides)
    assert response.status_code == 201, response.json()
    return Order.objects.get(pk=response.json()["id"])


def move(order: Order, *statuses: str) -> None:
    for status in statuses:
        set_status(order.pk, status, actor="test", enforce_window=False)


@pytest.fixture
def orders(api, demo, django_capture_on_commit_callbacks) -> dict[str, Order]:
    pizza = demo["margherita-pizza"]
    first = order_of(api, (pizza, 2, [option_id(pizza, "large")]), key="a")
    second = order_of(api, (demo["diavola-pizza"], 2, []), key="b", fulfilment="delivery", postcode="1011")
    done = order_of(api, (demo["diavola-pizza"], 1, []), key="c")
    with django_capture_on_commit_callbacks(execute=True):  # as after a real commit: POS submissions sent
        move(second, "confirmed", "preparing")
        move(done, "confirmed", "preparing", "ready", "completed")
    # make "first" the oldest regardless of clock resolution
    Order.objects.filter(pk=first.pk).update(created_at=first.created_at - timedelta(minutes=5))
    return {"first": first, "second": second, "done": done}


def test_anonymous_visitors_are_sent_to_log_in(client, orders):
    for url in ("/kitchen/", "/kitchen/orders.json"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(django_settings.LOGIN_URL)
    response = client.post(f"/kitchen/orders/{orders['first'].pk}/status/", {"status": "confirmed"})
    assert response.status_code == 302
    assert Order.objects.get(pk=orders["first"].pk).status == "placed"


def test_logged_in_guests_are_forbidden(client, orders):
    client.force_login(User.objects.create_user("guest", password="pw-guest-12345"))
    assert client.get("/kitchen/").status_code == 403
    assert client.get("/kitchen/orders.json").status_code == 403
    response = client.post(f"/kitchen/orders/{orders['first'].pk}/status/", {"status": "confirmed"})
    assert response.status_code == 403 and Order.objects.get(pk=orders["first"].pk).status == "placed"


def test_staff_see_open_orders_oldest_first_with_their_next_steps(staff, orders):
    html = staff.get("/kitchen/").content.decode()
    numbers = re.findall(r'data-order-number="(\d+)"', html)
    assert numbers == [orders["first"].number, orders["second"].number]  # completed order not shown
    first = html.split(f'data-order-number="{orders["first"].number}"')[1].split("</article>")[0]
    assert "2×</b> Margherita Pizza" in first and "(large)" in first and "29.00 EUR" in first
    assert re.findall(r'data-next-status="(\w+)"', first) == ["confirmed", "rejected", "cancelled"]
    second = html.split(f'data-order-number="{orders["second"].number}"')[1].split("</article>")[0]
    assert re.findall(r'data-next-status="(\w+)"', second) == [
        "ready",
        "out_for_delivery",
        "rejected",
        "cancelled",
    ]
    assert "kitchen_display: accepted" in second  # sent to the POS when it was confirmed
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None  # no inline scripts
    assert "kitchen/kitchen.js" in html


def test_pickup_orders_never_offer_out_for_delivery(staff, orders):
    move(orders["first"], "confirmed", "preparing")
    card = next(
        o for o in staff.get("/kitchen/orders.json").json()["orders"] if o["id"] == orders["first"].pk
    )
    assert [n["status"] for n in card["next"]] == ["ready", "rejected", "cancelled"]


def test_orders_json_lists_what_the_page_shows(staff, orders):
    cards = staff.get("/kitchen/orders.json").json()["orders"]
    assert [c["number"] for c in cards] == [orders["first"].number, orders["second"].number]
    first, second = cards
    assert first["lines"] == [{"name": "Margherita Pizza", "quantity": 2, "options": ["large"]}]
    assert (first["status"], first["fulfilment"], first["total"], first["pos"]) == (
        "placed",
        "pickup",
        "29.00",
        [],
    )
    assert (second["status"], second["fulfilment"], second["postcode"]) == ("preparing", "delivery", "1011")
    assert second["pos"][0]["adapter"] == "kitchen_display" and second["pos"][0]["status"] == "accepted"
    assert {"status": "out_for_delivery", "label": "Out for delivery"} in second["next"]


def test_staff_move_an_order_and_the_change_is_recorded_with_their_name(staff, orders):
    order = orders["first"]
    response = staff.post(f"/kitchen/orders/{order.pk}/status/", {"status": "confirmed"})
    assert response.status_code == 302 and response["Location"] == "/kitchen/"
    order.refresh_from_db()
    assert order.status == "confirmed"
    change = order.status_changes.last()
    assert (change.previous_status, change.status, change.actor) == ("placed", "confirmed", "chef")
    assert f"Order {order.number}: confirmed." in staff.get("/kitchen/").content.decode()

    response = staff.post(
        f"/kitchen/orders/{order.pk}/status/", {"status": "preparing"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json()["order"]["status"] == "preparing"
    assert [n["status"] for n in response.json()["order"]["next"]] == ["ready", "rejected", "cancelled"]


def test_invalid_transition_is_refused_with_a_friendly_message(staff, orders):
    order = orders["first"]
    response = staff.post(
        f"/kitchen/orders/{order.pk}/status/", {"status": "completed"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 409
    assert response.json()["error"]["message"] == "An order that is placed can't become completed."
    page = staff.post(f"/kitchen/orders/{order.pk}/status/", {"status": "ready"}, follow=True)
    assert "An order that is placed can&#x27;t become ready." in page.content.decode()
    assert (
        staff.post(
            f"/kitchen/orders/{order.pk}/status/", {"status": "eaten"}, HTTP_ACCEPT="application/json"
        ).status_code
        == 409
    )
    assert Order.objects.get(pk=order.pk).status == "placed"
    assert (
        staff.post(
            "/kitchen/orders/99999/status/", {"status": "confirmed"}, HTTP_ACCEPT="application/json"
        ).status_code
        == 404
    )


def test_status_posts_need_the_csrf_token(orders):
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.create_user("chef", password="pw-chef-12345", is_staff=True))
    url = f"/kitchen/orders/{orders['first'].pk}/status/"
    assert client.post(url, {"status": "confirmed"}).status_code == 403
    client.get("/kitchen/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        url, {"status": "confirmed"}, HTTP_X_CSRFTOKEN=token, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200 and Order.objects.get(pk=orders["first"].pk).status == "confirmed"


def test_a_delivery_shows_the_driver_where_to_go_once_the_guest_has_given_it(staff, orders, client):
    second = orders["second"]
    card = next(o for o in staff.get("/kitchen/orders.json").json()["orders"] if o["id"] == second.pk)
    assert (
        card["deliver_to"] is None
        and "Address: waiting for the guest's details" in staff.get("/kitchen/").content.decode()
    )

    client.post(
        f"/checkout/{details_link_token(second)}/",
        {"name": "Grace Hopper", "phone": "+31 6 12345678", "address": "Damrak 1, third floor"},
    )
    card = next(o for o in staff.get("/kitchen/orders.json").json()["orders"] if o["id"] == second.pk)
    assert card["deliver_to"] == "Grace Hopper, Damrak 1, third floor, 1011, +31 6 12345678"
    assert f"Deliver to: {card['deliver_to']}" in staff.get("/kitchen/").content.decode()
    pickup = next(
        o for o in staff.get("/kitchen/orders.json").json()["orders"] if o["id"] == orders["first"].pk
    )
    assert pickup["deliver_to"] is None


def test_a_guest_waiting_for_a_person_shows_as_a_badge(staff, demo):
    assert staff.get("/kitchen/orders.json").json()["waiting_guests"] == 0
    assert 'id="waiting-guests"' in staff.get("/kitchen/").content.decode()  # hidden while no one waits
    Handoff.objects.create(conversation_id="c-1", reason="my email is ada@example.org")
    Handoff.objects.create(conversation_id="c-2", status=Handoff.Status.CLAIMED)
    page = staff.get("/kitchen/").content.decode()
    assert '<span class="count">1</span> guest waiting for a person</a>' in page
    assert "ada@example.org" not in page  # their words stay on the staff page
    assert staff.get("/kitchen/orders.json").json()["waiting_guests"] == 1
