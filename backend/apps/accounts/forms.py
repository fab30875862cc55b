"""Sign-up and account forms: notification preferences, mobile number and delivery address, deleting the account."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest

from apps.accounts.phones import normalise_phone
from apps.customers.models import Customer, customer_for_user
from apps.restaurant.services import normalise_postcode


class SignUpForm(UserCreationForm):
    name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    email = forms.EmailField(label="E-mail address", widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    phone = forms.CharField(
        label="Mobile number (optional)",
        required=False,
        max_length=50,
        help_text="Only if you'd like text messages about your orders. Include the country code, e.g. +31.",
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "name", "email")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "There is already an account with this e-mail address. Try logging in.",
                code="duplicate_email",
            )
        return email

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data.get("phone", ""))

    @transaction.atomic
    def save(self, commit: bool = True) -> User:
        """The new user, with their customer record (created and linked) holding the phone number."""
        user = super().save(commit=False)
        user.email = self.cleaned_data["email"]
        user.first_name = self.cleaned_data["name"].strip()
        user.save()
        customer = customer_for_user(user)
        assert customer is not None
        if self.cleaned_data.get("phone"):
            customer.phone = self.cleaned_data["phone"]
            customer.save(update_fields=["phone", "updated_at"])
        return user


class PreferencesForm(forms.ModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    class Meta:
        model = Customer
        fields = ("notify_email", "notify_sms", "phone", "address", "postcode")
        labels = {
            "notify_email": "E-mail me about my orders",
            "notify_sms": "Text me about my orders",
            "phone": "Mobile number",
            "address": "Delivery address",
            "postcode": "Postcode",
        }
        help_texts = {
            "notify_email": "Confirmation, and when your order is ready or on its way.",
            "notify_sms": "The same updates by text message. Needs a mobile number.",
            "phone": "Include the country code, e.g. +31 6 12345678.",
            "address": "Street, number and anything the driver should know. Deliveries to this postcode "
            "come here, so you won't be asked for it after ordering.",
        }
        widgets = {
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "postcode": forms.TextInput(attrs={"autocomplete": "postal-code"}),
        }

    def clean_phone(self) -> str:
        return normalise_phone(self.cleaned_data.get("phone", ""))

    def clean_postcode(self) -> str:
        return normalise_postcode(self.cleaned_data.get("postcode", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        for given, missing in (("address", "postcode"), ("postcode", "address")):
            if cleaned.get(given) and not cleaned.get(missing) and missing not in self.errors:
                self.add_error(
                    missing,
                    forms.ValidationError(
                        f"Add the {missing} too, or leave both empty.", code="address_incomplete"
                    ),
                )
        if cleaned.get("notify_sms") and not cleaned.get("phone") and "phone" not in self.errors:
            self.add_error(
                "phone",
                forms.ValidationError(
                    "Add a mobile number to get text messages, or untick “Text me about my orders”.",
                    code="phone_needed_for_sms",
                ),
            )
        return cleaned


class DeleteAccountForm(forms.Form):
    """Deleting the account asks for the password again, checked by authenticate(): failed tries count
    towards django-axes' lockout like failed logins, so a borrowed session can't guess its way through."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        user = self.request.user
        if authenticate(self.request, username=user.get_username(), password=password) != user:
            raise forms.ValidationError(
                "That isn't your password. Nothing has been deleted.", code="password_incorrect"
            )
        return password
