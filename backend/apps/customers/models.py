"""Customers and their personal data. Only the opaque public id ever leaves the backend."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, models, transaction

from apps.common.errors import ApiError
from apps.common.models import TimestampedModel
from apps.restaurant.services import normalise_postcode
from service_common.customer_ids import new_customer_id


def new_public_id() -> str:  # named by the migrations
    return new_customer_id()


class Customer(TimestampedModel):
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    # The website account this customer belongs to, if any (the chat page links them).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="customer"
    )
    # How the guest wants to hear about their orders (chosen on the account page).
    notify_email = models.BooleanField(default=True, help_text="Order updates by e-mail.")
    notify_sms = models.BooleanField(default=False, help_text="Order updates by text message.")

    def __str__(self) -> str:
        return self.public_id

    def can_be_reached(self) -> bool:
        return bool(self.email or self.phone)

    def delivers_to(self, postcode: str | None) -> bool:
        """Whether the saved address is the one a delivery to `postcode` means: the chat asks only for the
        postcode ("1012"), so it may be the start of the saved one ("1012 AB")."""
        ordered, saved = normalise_postcode(postcode or ""), normalise_postcode(self.postcode)
        return bool(self.address and ordered and saved.startswith(ordered))


def customer_for_user(user) -> Customer | None:
    """The customer linked to a logged-in user, created (and linked) on first use; None for anonymous users.

    A new customer starts with the account's name and e-mail, which stay in the backend: only the
    opaque ``public_id`` is handed to the chat.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    existing = Customer.objects.filter(user=user).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Customer.objects.create(user=user, name=user.get_full_name(), email=user.email or "")
    except IntegrityError:  # a concurrent request linked one first
        return Customer.objects.get(user=user)


def resolve_customer(public_id: str | None) -> Customer | None:
    """The customer for an opaque id, None for no id; raises ApiError for an unknown id."""
    if not public_id:
        return None
    customer = Customer.objects.filter(public_id=public_id).first()
    if customer is None:
        raise ApiError(
            "validation_error",
            "We couldn't find that customer.",
            details={"customer": ["Unknown customer id."]},
        )
    return customer
