"""Guest accounts: sign up, log in and out, change or reset the password (Django's auth views), the account page,
deleting the account."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from apps.accounts.forms import DeleteAccountForm, PreferencesForm, SignUpForm
from apps.accounts.orders import past_orders
from apps.customers.erasure import erase_user
from apps.customers.models import customer_for_user
from apps.review.models import audit

logger = logging.getLogger(__name__)
ERASED_KEY = "accounts_erased"  # the counts the goodbye page shows, in the new anonymous session


def _next_url(request: HttpRequest) -> str:
    """Where to go after signing up: a safe ?next= on this site, else LOGIN_REDIRECT_URL."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("accounts:account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome! Your account is ready.")
        return HttpResponseRedirect(_next_url(request))
    return render(
        request,
        "accounts/signup.html",
        {"form": form, "next": _next_url(request)},
        status=400 if form.errors else 200,
    )


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logging out is a POST (CSRF-protected); a GET, e.g. the chat's "Log out" link, asks first."""

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout.html"

    def get(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return HttpResponseRedirect(self.get_success_url())
        return render(request, self.template_name, {"next": self.get_redirect_url()})


class PasswordChangeView(auth_views.PasswordChangeView):
    """A signed-in guest changes their password; other sessions of theirs stay valid only here (Django's rule)."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Mails a one-time link; the page says the same whether or not the address has an account."""

    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    """Notification preferences and past orders of the logged-in guest."""
    customer = customer_for_user(request.user)
    assert customer is not None
    form = PreferencesForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Your preferences are saved.")
        return redirect("accounts:account")
    return render(
        request,
        "accounts/account.html",
        {"form": form, "orders": past_orders(customer), "chat_url": reverse("chat:page")},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request: HttpRequest) -> HttpResponse:
    """Erases the signed-in guest (apps.customers.erasure) once they re-enter their password, then logs them out.

    The user row is deleted, not deactivated: a deactivated row would still hold the user name, e-mail and
    password hash for no purpose, and nothing the restaurant keeps (orders, payments) points at it.
    """
    if (
        request.user.is_staff or request.user.is_superuser
    ):  # their audit trail stays: an administrator removes them
        return render(request, "accounts/delete_account.html", {"staff": True}, status=403)
    form = DeleteAccountForm(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = get_user_model().objects.get(pk=request.user.pk)
        try:
            report = erase_user(user)
        except (DatabaseError, OSError):
            logger.exception("erasing an account failed; the database was rolled back")
            return render(
                request,
                "accounts/delete_account.html",
                {"form": DeleteAccountForm(request), "failed": True},
                status=503,
            )
        audit(None, "erase_guest", report.subject[:255], via="account page", **report.counts())
        logout(request)
        request.session[ERASED_KEY] = report.counts()
        return redirect("accounts:deleted")
    return render(request, "accounts/delete_account.html", {"form": form}, status=400 if form.errors else 200)


def account_deleted(request: HttpRequest) -> HttpResponse:
    """The goodbye page: what was deleted and what the restaurant keeps. Shown once, right after deleting."""
    counts = request.session.pop(ERASED_KEY, None)
    if counts is None:
        return redirect("chat:page")
    return render(
        request,
        "accounts/deleted.html",
        {
            "deleted": counts.get("deleted", {}),
            "anonymised": counts.get("anonymised", {}),
            "chat_url": reverse("chat:page"),
        },
    )
