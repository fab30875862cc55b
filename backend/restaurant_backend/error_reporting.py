"""Backend errors to Sentry when SENTRY_DSN is set, and nowhere when it is not (settings.py calls this)."""

from __future__ import annotations


def init_error_reporting(dsn: str, traces_sample_rate: float = 0.0, environment: str | None = None) -> bool:
    """Start the Sentry SDK with the Django integration; False (and nothing started) without a DSN.

    No personal data: send_default_pii=False keeps out cookies, the logged-in user and IP addresses;
    request bodies (a guest's name, phone, address) and local variables are not attached either.
    """
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        environment=environment,
    )
    return True
