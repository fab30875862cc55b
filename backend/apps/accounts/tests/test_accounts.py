"""Guest accounts as a guest uses them: sign up, log in and out, notification preferences, past orders."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from apps.chat.tokens import decode_chat_token
from apps.customers.models import Customer, customer_for_user
from apps.ordering.checkout import details_link_token
from apps.ordering.models import Cart, Order
from tests.conftest import api, demo, new_cart, place  # noqa: F401 - shared fixtures

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-harbour-password-42"


def sign_up(client: Client, **overrides: str):
    data = {
        "username": "grace",
        "name": "Grace Hopper",
        "email": "grace@example.org",
        "phone": "",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post("/accounts/signup/", data)


def signed_in_grace() -> tuple[User, Client]:
    user = User.objects.create_user("grace", "grace@example.org", PASSWORD)
    client = Client()
    client.force_login(user)
    return user, client


def make_order(
    customer: Customer | None, number: str, total: str, status: str = "placed", days_ago: int = 0
) -> Order:
    cart = Cart.objects.create(customer=customer, status=Cart.Status.ORDERED)
    order = Order.objects.create(
        number=number,
        idempotency_key=f"key-{number}",
        request_fingerprint="f" * 64,
        cart=cart,
        customer=customer,
        status=status,
        fulfilment="pickup",
        subtotal=Decimal(total),
        total=Decimal(total),
        cancellable_until=timezone.now(),
    )
    Order.objects.filter(pk=order.pk).update(created_at=timezone.now() - timedelta(days=days_ago))
    return order


def test_sign_up_creates_the_account_and_its_customer_logs_in_and_opens_the_chat():
    client = Client()
    form = client.get("/accounts/signup/").content.decode()
    for name in ("username", "name", "email", "phone", "password1", "password2"):
        assert re.search(rf'<label for="id_{name}">', form), name  # every field has a label

    response = sign_up(client, phone="06 1234 5678")
    assert response.status_code == 302 and response["Location"] == "/chat/"
    user = User.objects.get(username="grace")
    assert user.email == "grace@example.org" and user.get_full_name() == "Grace Hopper"
    customer = Customer.objects.get(user=user)
    assert customer.phone == "+31612345678" and customer.name == "Grace Hopper"  # stored in one form
    assert customer.email == "grace@example.org"

    chat = client.get("/chat/").content.decode()  # logged in straight away: the chat knows them
    token = re.search(r'data-token="([^"]+)"', chat).group(1)
    assert decode_chat_token(token)["sub"] == customer.public_id


def test_sign_up_goes_back_to_a_safe_next_page_only():
    assert sign_up(Client(), next="/accounts/")["Location"] == "/accounts/"
    assert (
        sign_up(Client(), username="evil", email="evil@example.org", next="https://evil.example/")["Location"]
        == "/chat/"
    )


@pytest.mark.parametrize(
    "overrides,field,message",
    [
        ({"phone": "12"}, "phone", "Enter a phone number we can text"),
        ({"password2": "something-else-entirely"}, "password2", "didn’t match"),
        ({"email": "not-an-email"}, "email", "valid email"),
        ({"username": ""}, "username", "required"),
    ],
)
def test_sign_up_explains_what_to_fix_and_creates_nothing(overrides, field, message):
    response = sign_up(Client(), **overrides)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and message in html
    assert re.search(rf'aria-invalid="true"[^>]*id="id_{field}"', html), html  # the field is marked
    assert not User.objects.exists() and not Customer.objects.exists()


def test_an_e_mail_address_can_have_only_one_account():
    User.objects.create_user("first", "Grace@Example.org", "pw-first-12345")
    response = sign_up(Client())
    assert response.status_code == 400 and "already an account with this e-mail" in response.content.decode()
    assert not User.objects.filter(username="grace").exists()


def test_log_in_goes_to_the_chat_and_wrong_passwords_are_refused():
    User.objects.create_user("grace", "grace@example.org", PASSWORD)
    client = Client()
    assert '<label for="id_username">' in client.get("/accounts/login/").content.decode()
    wrong = client.post("/accounts/login/", {"username": "grace", "password": "nope"})
    assert wrong.status_code == 200 and "enter a correct username and password" in wrong.content.decode()
    assert "data-token" not in client.get("/chat/").content.decode()

    right = client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert right.status_code == 302 and right["Location"] == "/chat/"
    assert "data-token" in client.get("/chat/").content.decode()


def test_log_out_link_asks_first_then_logs_out_and_the_chat_goes_on_as_a_guest():
    _user, client = signed_in_grace()
    confirm = client.get("/accounts/logout/")  # the chat's "Log out" link
    assert confirm.status_code == 200 and "Log out?" in confirm.content.decode()
    assert "data-token" in client.get("/chat/").content.decode()  # a GET alone does not log out

    done = client.post("/accounts/logout/")
    assert done.status_code == 302 and done["Location"] == "/chat/"
    assert "data-token" not in client.get("/chat/").content.decode()
    assert client.get("/chat/token/").status_code == 401
    assert client.get("/accounts/logout/")["Location"] == "/chat/"  # nothing to confirm any more


def test_account_page_needs_a_login():
    response = Client().get("/accounts/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/accounts/"


def test_account_page_lists_only_the_guests_own_orders_newest_first():
    user = User.objects.create_user("grace", "grace@example.org", PASSWORD)
    mine = customer_for_user(user)
    make_order(mine, "HH-1001", "18.50", status="completed", days_ago=3)
    make_order(mine, "HH-1002", "23.00", status="preparing")
    make_order(Customer.objects.create(), "HH-9999", "99.00")
    make_order(None, "HH-8888", "12.00")
    client = Client()
    client.force_login(user)
    html = client.get("/accounts/").content.decode()
    rows = re.findall(r"<tr>\s*<td>(.*?)</td>.*?<td class=\"amount\">(.*?)</td>\s*<td>(.*?)</td>", html, re.S)
    assert rows == [("HH-1002", "€23.00", "Preparing"), ("HH-1001", "€18.50", "Completed")]
    assert "HH-9999" not in html and "HH-8888" not in html
    placed = (timezone.localtime(timezone.now()) - timedelta(days=3)).strftime("%-d %b %Y")
    assert placed in html


def test_account_page_without_orders_points_to_the_chat():
    _user, client = signed_in_grace()
    html = client.get("/accounts/").content.decode()
    assert "No orders yet" in html and 'href="/chat/"' in html


def test_notification_preferences_are_saved_and_texts_need_a_valid_phone():
    user, client = signed_in_grace()
    page = client.get("/accounts/").content.decode()
    assert re.search(r'<input type="checkbox" name="notify_email"[^>]*checked', page)  # e-mail on by default
    assert not re.search(r'<input type="checkbox" name="notify_sms"[^>]*checked', page)

    no_phone = client.post("/accounts/", {"notify_email": "on", "notify_sms": "on", "phone": ""})
    assert (
        no_phone.status_code == 400
        and "Add a mobile number to get text messages" in no_phone.content.decode()
    )
    bad_phone = client.post("/accounts/", {"notify_sms": "on", "phone": "555"})
    assert bad_phone.status_code == 400 and "Enter a phone number we can text" in bad_phone.content.decode()
    customer = Customer.objects.get(user=user)
    assert (customer.notify_email, customer.notify_sms, customer.phone) == (True, False, "")

    saved = client.post("/accounts/", {"notify_sms": "on", "phone": "+44 7911 123456"}, follow=True)
    assert "Your preferences are saved." in saved.content.decode()
    customer.refresh_from_db()
    assert (customer.notify_email, customer.notify_sms, customer.phone) == (False, True, "+447911123456")


@override_settings(ACCOUNTS_PHONE_REGION="GB")
def test_numbers_without_a_country_code_are_read_in_the_configured_region():
    user, client = signed_in_grace()
    client.post("/accounts/", {"notify_sms": "on", "phone": "07911 123456"})
    assert Customer.objects.get(user=user).phone == "+447911123456"


def test_login_settings():
    from django.conf import settings

    assert settings.LOGIN_URL == "/accounts/login/" and settings.LOGIN_REDIRECT_URL == "/chat/"


def test_a_delivery_address_is_saved_with_its_postcode_and_needs_both():
    user, client = signed_in_grace()
    page = client.get("/accounts/").content.decode()
    assert '<label for="id_address">' in page and 'autocomplete="postal-code"' in page
    half = client.post("/accounts/", {"notify_email": "on", "address": "Damrak 1, 3rd floor"})
    assert half.status_code == 400 and "Add the postcode too" in half.content.decode()
    assert Customer.objects.get(user=user).address == ""

    client.post("/accounts/", {"notify_email": "on", "address": "Damrak 1, 3rd floor", "postcode": "1012 lg"})
    customer = Customer.objects.get(user=user)
    assert (customer.address, customer.postcode) == ("Damrak 1, 3rd floor", "1012LG")


@pytest.mark.parametrize(
    "fulfilment, order_postcode, saved, on_file",
    [
        ("pickup", None, ("", ""), True),  # reachable by e-mail: no form for a pickup
        ("delivery", "1012", ("Damrak 1", "1012LG"), True),  # the chat asks only "1012"
        ("delivery", "1012 LG", ("Damrak 1", "1012LG"), True),
        ("delivery", "1011", ("Damrak 1", "1012LG"), False),  # somewhere else: the form asks for that address
        ("delivery", "1012", ("", ""), False),  # no address saved
    ],
)
def test_an_order_needs_no_details_form_when_the_account_reaches_the_guest_and_has_the_address(
    api, demo, fulfilment, order_postcode, saved, on_file
):
    customer = Customer.objects.create(email="grace@example.org", address=saved[0], postcode=saved[1])
    cart = new_cart(api, (demo["diavola-pizza"], 2, []))
    placed = place(
        api, cart["id"], customer=customer.public_id, fulfilment=fulfilment, postcode=order_postcode
    )
    assert placed.status_code == 201, placed.json()
    assert placed.json()["contact_on_file"] is on_file
    order = Order.objects.get(pk=placed.json()["id"])
    assert order.delivery_address == (saved[0] if on_file and fulfilment == "delivery" else "")
    assert "Damrak" not in placed.content.decode()  # the address stays in the backend


def test_the_details_form_gives_this_delivery_its_address_and_leaves_the_account_as_it_was(api, demo):
    user = User.objects.create_user("grace", "grace@example.org", PASSWORD)
    customer = Customer.objects.create(
        user=user, name="Grace Hopper", email="grace@example.org", address="Damrak 1", postcode="1012LG"
    )
    placed = place(
        api,
        new_cart(api, (demo["diavola-pizza"], 2, []))["id"],
        customer=customer.public_id,
        fulfilment="delivery",
        postcode="1011",
    ).json()
    assert placed["contact_on_file"] is False  # another postcode: the form asks where
    order = Order.objects.get(pk=placed["id"])
    Client().post(
        f"/checkout/{details_link_token(order)}/",
        {
            "name": "G. Hopper (office)",
            "phone": "+31 6 12345678",
            "email": "office@example.org",
            "address": "Prinsengracht 2",
        },
    )
    order.refresh_from_db()
    customer.refresh_from_db()
    assert order.delivery_address == "Prinsengracht 2"
    assert (customer.name, customer.email, customer.address, customer.postcode) == (
        "Grace Hopper",
        "grace@example.org",
        "Damrak 1",
        "1012LG",
    )  # the account keeps its own details
    assert customer.phone == "+31 6 12345678"  # only what the account lacked is filled in
