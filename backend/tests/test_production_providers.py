"""Production refuses to start with e-mail/SMS printed to the log or with an unnamed payment provider."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from restaurant_backend.settings import validate_production_settings
from tests.conftest import production_env

BACKEND = Path(__file__).resolve().parent.parent
REAL = {
    "EMAIL_HOST": "smtp.example.org",
    "SMS_PROVIDER": "restaurant_sms.TwilioProvider",
    "PAYMENT_PROVIDER": "sandbox",
}


def refusal(env: dict[str, str]) -> str:
    with pytest.raises(ImproperlyConfigured) as error:
        validate_production_settings(env, ["sandbox"])
    return str(error.value)


def test_nothing_configured_is_refused_naming_every_variable_to_set():
    message = refusal({})
    for name in (
        "EMAIL_HOST",
        "EMAIL_BACKEND",
        "SMS_PROVIDER",
        "ALLOW_CONSOLE_NOTIFICATIONS",
        "PAYMENT_PROVIDER",
    ):
        assert name in message


@pytest.mark.parametrize(
    "change, named",
    [
        ({"EMAIL_HOST": ""}, "EMAIL_HOST"),
        (
            {"EMAIL_HOST": "", "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
            "EMAIL_BACKEND",
        ),
        ({"SMS_PROVIDER": ""}, "SMS_PROVIDER"),
        ({"SMS_PROVIDER": "apps.notifications.sms.ConsoleSmsProvider"}, "SMS_PROVIDER"),
        ({"PAYMENT_PROVIDER": ""}, "PAYMENT_PROVIDER"),
        ({"PAYMENT_PROVIDER": "stripe"}, "PAYMENT_PROVIDER=stripe"),
    ],
)
def test_each_missing_provider_is_refused(change, named):
    assert named in refusal({**REAL, **change})


def test_real_providers_start_and_only_the_named_sandbox_is_warned_about():
    warnings = validate_production_settings(REAL, ["sandbox"])
    assert len(warnings) == 1 and "sandbox" in warnings[0] and "no money" in warnings[0]
    smtp_backend = {**REAL, "EMAIL_HOST": "", "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend"}
    assert validate_production_settings(smtp_backend, ["sandbox"]) == warnings
    assert validate_production_settings({**REAL, "PAYMENT_PROVIDER": "acme"}, ["sandbox", "acme"]) == []


def test_console_notifications_start_only_when_allowed_explicitly_and_then_loudly():
    console = {"PAYMENT_PROVIDER": "sandbox", "ALLOW_CONSOLE_NOTIFICATIONS": "true"}
    warnings = " ".join(validate_production_settings(console, ["sandbox"]))
    assert "e-mails" in warnings and "text messages" in warnings and "printed to the log" in warnings
    assert "PAYMENT_PROVIDER" in refusal({"ALLOW_CONSOLE_NOTIFICATIONS": "true"})  # payments still required


def _manage_check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = production_env(tmp_path, **extra)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_manage_py_check_in_production_refuses_console_notifications_and_an_unnamed_payment_provider(
    tmp_path,
):
    refused = _manage_check(tmp_path)
    assert refused.returncode != 0
    for name in ("EMAIL_HOST", "SMS_PROVIDER", "ALLOW_CONSOLE_NOTIFICATIONS", "PAYMENT_PROVIDER"):
        assert name in refused.stderr
    allowed = _manage_check(tmp_path, ALLOW_CONSOLE_NOTIFICATIONS="true", PAYMENT_PROVIDER="sandbox")
    assert allowed.returncode == 0, allowed.stderr
    assert "PRODUCTION WARNING" in allowed.stderr and "printed to the log" in allowed.stderr
    assert "PAYMENT_PROVIDER=sandbox" in allowed.stderr
