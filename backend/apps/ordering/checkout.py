"""The guest's contact-details page (details_url). Personal data is typed here, never in the chat.

The link carries the order's secret token signed with a timestamp (Django's TimestampSigner): it
works for CHECKOUT_DETAILS_LINK_MAX_AGE_SECONDS (default 24 h, setting or environment), then shows a
friendly "link expired" page (410). A bare or tampered token is a 404.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from apps.customers.models import Customer
from apps.ordering.models import Cart, Order


class DetailsForm(forms.Form):
    name = forms.CharField(max_length=200, label="Your name")
    phone = forms.CharField(max_length=50, label="Phone number")
    email = forms.EmailField(required=False, label="Email (optional, for order updates)")
    address = forms.CharField(max_length=300, required=False, label="Delivery address")

    def __init__(self, *args: object, delivery: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if delivery:
            self.fields["address"].required = True
        else:
            del self.fields["address"]


LINK_SALT = "apps.ordering.checkout-details"


def details_link_max_age() -> int:
    return int(getattr(settings, "CHECKOUT_DETAILS_LINK_MAX_AGE_SECONDS", None) or 24 * 3600)


def details_link_token(order: Order) -> str:
    """The path part of the order's details link: its token, signed now."""
    return signing.TimestampSigner(salt=LINK_SALT).sign(order.details_token)


@require_http_methods(["GET", "POST"])
def checkout_details(request: HttpRequest, token: str) -> HttpResponse:
    signer = signing.TimestampSigner(salt=LINK_SALT)
    try:
        details_token = signer.unsign(token, max_age=details_link_max_age())
    except signing.SignatureExpired:
        return render(request, "ordering/checkout_link_expired.html", status=410)
    except signing.BadSignature:
        raise Http404("No such link.") from None
    order = get_object_or_404(Order, details_token=details_token)
    delivery = order.fulfilment == Order.Fulfilment.DELIVERY
    saved = False
    if request.method == "POST":
        form = DetailsForm(request.POST, delivery=delivery)
        if form.is_valid():
            with transaction.atomic():
                customer = _save_contact(order.customer or Customer(), form.cleaned_data, order)
                Order.objects.filter(pk=order.pk).update(
                    customer=customer,
                    delivery_address=form.cleaned_data.get("address", "") if delivery else "",
                )
                Cart.objects.filter(pk=order.cart_id, customer=None).update(customer=customer)
                order.refresh_from_db()
            saved = True
            form = DetailsForm(delivery=delivery)
    else:
        form = DetailsForm(delivery=delivery)
    has_details = saved or bool(
        order.customer and order.customer.phone and (order.delivery_address or not delivery)
    )
    return render(
        request,
        "ordering/checkout_details.html",
        {"order": order, "form": form, "saved": saved, "has_details": has_details},
    )


def _save_contact(customer: Customer, details: dict[str, str], order: Order) -> Customer:
    """A guest's details become their customer record. A website account keeps its own details: the
    form only fills what the account lacks (the address given here belongs to this order alone)."""
    has_account = customer.user_id is not None
    for field in ("name", "phone", "email"):
        if details.get(field) and not (has_account and getattr(customer, field)):
            setattr(customer, field, details[field])
    if not has_account and details.get("address"):
        customer.address, customer.postcode = details["address"], order.postcode or ""
    customer.save()
    return customer
