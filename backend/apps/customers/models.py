"""Customers and their personal data. Only the opaque public id ever leaves the backend."""
from __future__ import annotations

import secrets

from django.db import models


def new_public_id() -> str:
    return f"cus_{secrets.token_hex(8)}"


class Customer(models.Model):
    public_id = models.CharField(max_length=32, unique=True, default=new_public_id, editable=False)
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    postcode = models.CharField(max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.public_id


def resolve_customer(public_id: str | None) -> Customer | None:
    """The customer for an opaque id, None for no id; raises ApiError for an unknown id."""
    from apps.common.errors import ApiError

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
