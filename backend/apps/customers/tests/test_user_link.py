"""A website account (Django user) is linked to one Customer; only its opaque id leaves the backend."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, User

from apps.customers.models import Customer, customer_for_user

pytestmark = pytest.mark.django_db


def test_a_user_gets_one_customer_created_on_first_use_and_reused():
    user = User.objects.create_user(
        "ada", "ada@example.org", "pw-ada-12345", first_name="Ada", last_name="Lovelace"
    )
    customer = customer_for_user(user)
    assert customer is not None and customer.public_id.startswith("cus_")
    assert (customer.user, customer.name, customer.email) == (user, "Ada Lovelace", "ada@example.org")
    assert customer_for_user(user) == customer and Customer.objects.count() == 1
    user.refresh_from_db()
    assert user.customer == customer


def test_an_existing_customer_linked_to_the_user_is_used():
    user = User.objects.create_user("bob", password="pw-bob-12345")
    linked = Customer.objects.create(name="Bob", phone="0612345678", user=user)
    assert customer_for_user(user) == linked and Customer.objects.count() == 1


def test_anonymous_visitors_get_no_customer():
    assert customer_for_user(AnonymousUser()) is None and customer_for_user(None) is None
    assert Customer.objects.count() == 0


def test_deleting_the_account_keeps_the_customer_and_its_orders():
    user = User.objects.create_user("cleo", password="pw-cleo-12345")
    customer = customer_for_user(user)
    user.delete()
    customer.refresh_from_db()
    assert customer.user is None


def test_one_customer_per_user_is_enforced_by_the_database():
    from django.db import IntegrityError, transaction

    user = User.objects.create_user("dan", password="pw-dan-12345")
    Customer.objects.create(user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.create(user=user)
