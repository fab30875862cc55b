"""Settings for the restaurant backend.

Everything configurable comes from environment variables, read once here. With nothing set the
backend runs in development mode on SQLite. ``DJANGO_ENV=production`` (or the module
``restaurant_backend.settings_production``) switches on the hardened production settings and
requires the secrets to be set.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Collection, Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from restaurant_backend.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_log_level,
    env_origins,
    env_str,
    env_until,
    environment,
)

BASE_DIR = Path(__file__).resolve().parent.parent


DJANGO_ENV = env_str("DJANGO_ENV", "development").strip().lower()
PRODUCTION = DJANGO_ENV == "production"
DEBUG = env_bool("DJANGO_DEBUG", not PRODUCTION)

_DEV_SECRET_KEY = "django-insecure-dev-only-key-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or ("" if PRODUCTION else _DEV_SECRET_KEY)
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apps.common",
    "apps.restaurant",
    "apps.menu",
    "apps.customers",
    "apps.ordering",
    "apps.payments",
    # webhooks before notifications: receivers of order_status_changed run in this order
    "apps.webhooks",
    "apps.notifications",
    "apps.support",
    "apps.chat",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",  # first: times the whole stack
    "django.middleware.security.SecurityMiddleware",
    "apps.common.log_context.ConversationLogMiddleware",  # log lines name the request's conversation
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
]

ROOT_URLCONF = "restaurant_backend.urls"
WSGI_APPLICATION = "restaurant_backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite by default, DATABASE_URL (e.g. PostgreSQL) overrides -------------------
SQLITE_PATH = env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3"))
DATABASES = {
    "default": dj_database_url.config(env="DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}", conn_max_age=60)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the writer; IMMEDIATE transactions take the write lock up front,
    # so concurrent writers queue on the busy timeout instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("DJANGO_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("DJANGO_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
# Menu images shipped with the demo restaurant (backend/demo/static/menu/...), when present.
STATICFILES_DIRS = [p for p in [BASE_DIR / "demo" / "static"] if p.is_dir()]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Restaurant / public URLs ---------------------------------------------------------------
DEFAULT_CURRENCY = env_str("DEFAULT_CURRENCY", "EUR")
# Base URL guests use to reach the backend's own pages (checkout details, sandbox pay page).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# How long a guest's contact-details link works (apps/ordering/checkout.py); empty or 0 = 24 h.
CHECKOUT_DETAILS_LINK_MAX_AGE_SECONDS = int(env_str("CHECKOUT_DETAILS_LINK_MAX_AGE_SECONDS") or 24 * 3600)
DEMO_RESTAURANT_FILE = env_str("DEMO_RESTAURANT_FILE", str(BASE_DIR / "demo" / "restaurant.yaml"))
HANDOFF_EXPECTED_RESPONSE_MINUTES = env_int("HANDOFF_EXPECTED_RESPONSE_MINUTES", "10")
# How often the staff page (/support/) asks for new handoffs and guest messages, in milliseconds.
HANDOFF_PAGE_POLL_MS = env_int("HANDOFF_PAGE_POLL_MS", "1000")
# Nobody waits forever (apps/support/waiting.py): the guest is offered the phone number after this long
# unclaimed, and staff are e-mailed / texted after that long; 0 = never.
HANDOFF_UNCLAIMED_SECONDS = env_float("HANDOFF_UNCLAIMED_SECONDS", "300")
HANDOFF_NOTIFY_AFTER_SECONDS = env_float("HANDOFF_NOTIFY_AFTER_SECONDS", "180")
HANDOFF_NOTIFY_EMAILS = env_list("HANDOFF_NOTIFY_EMAILS")
HANDOFF_NOTIFY_PHONES = env_list("HANDOFF_NOTIFY_PHONES")
MAX_LINE_QUANTITY = 20
# Order flooding (apps/ordering): carts still open, and pay-at-counter orders not yet paid or collected,
# that one chat conversation (or one customer) may have at once; 0 = no cap.
MAX_OPEN_CARTS_PER_CONVERSATION = env_int("MAX_OPEN_CARTS_PER_CONVERSATION", "3")
MAX_UNPAID_ORDERS_PER_CONVERSATION = env_int("MAX_UNPAID_ORDERS_PER_CONVERSATION", "3")

# --- Website chat (apps/chat): what the chat page and widget tell the browser ---------------------
# Rasa's socket.io server, and the action server's answer stream (empty: no streaming).
CHAT_SOCKET_URL = env_str("CHAT_SOCKET_URL", "http://127.0.0.1:5005").rstrip("/")
CHAT_STREAM_URL = env_str("CHAT_STREAM_URL", "http://127.0.0.1:5055").rstrip("/")
# Sites that may open the chat (Rasa refuses other origins, channels/website.py); they may also frame /chat/.
CHAT_ALLOWED_ORIGINS = env_origins()
# Short-lived token (apps/chat/tokens.py) the chat pages give a logged-in guest's widget; Rasa and the
# action server verify it with the same secret.
CHAT_JWT_SECRET = env_str("CHAT_JWT_SECRET") or (
    "dev-chat-jwt-secret-only-for-development-0123456789" if DEBUG else ""
)
if not CHAT_JWT_SECRET and PRODUCTION:
    raise ImproperlyConfigured("CHAT_JWT_SECRET must be set in production.")
CHAT_TOKEN_TTL_SECONDS = env_int("CHAT_TOKEN_TTL_SECONDS", "900")

# --- Service token for the assistant ----------------------------------------------------------
BACKEND_SERVICE_TOKEN = env_str("BACKEND_SERVICE_TOKEN") or ("dev-service-token" if DEBUG else "")
if not BACKEND_SERVICE_TOKEN and PRODUCTION:
    raise ImproperlyConfigured("BACKEND_SERVICE_TOKEN must be set in production.")
# Rotation (apps/common/rotation.py): the previous token is still accepted until _PREVIOUS_UNTIL.
BACKEND_SERVICE_TOKEN_PREVIOUS = env_str("BACKEND_SERVICE_TOKEN_PREVIOUS", "")
BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL = env_until("BACKEND_SERVICE_TOKEN_PREVIOUS_UNTIL")

# --- Outgoing webhooks ------------------------------------------------------------------------
WEBHOOK_URLS = env_list("WEBHOOK_URLS")
WEBHOOK_SECRET = env_str("WEBHOOK_SECRET") or (
    "" if PRODUCTION else "whsec_" + base64.b64encode(b"dev-webhook-secret-change-me").decode()
)
if PRODUCTION and WEBHOOK_URLS and not WEBHOOK_SECRET:
    raise ImproperlyConfigured("WEBHOOK_SECRET must be set when WEBHOOK_URLS is set.")
WEBHOOK_MAX_ATTEMPTS = env_int("WEBHOOK_MAX_ATTEMPTS", "5")
WEBHOOK_BACKOFF_SECONDS = env_float("WEBHOOK_BACKOFF_SECONDS", "1.0")
WEBHOOK_BACKOFF_MAX_SECONDS = env_float("WEBHOOK_BACKOFF_MAX_SECONDS", "60")
WEBHOOK_TIMEOUT_SECONDS = env_float("WEBHOOK_TIMEOUT_SECONDS", "5")

# Background work (webhook delivery, sandbox payment callbacks) runs on a small thread pool after
# the transaction commits; tests set this to True to run it inline.
BACKGROUND_TASKS_SYNC = env_bool("BACKGROUND_TASKS_SYNC", False)
BACKGROUND_TASK_WORKERS = env_int("BACKGROUND_TASK_WORKERS", "4")

# --- Payments -----------------------------------------------------------------------------------
# In production PAYMENT_PROVIDER must be named (the sandbox only by name, with a warning at start):
# see validate_production_settings below.
PAYMENT_PROVIDER = env_str("PAYMENT_PROVIDER") or "sandbox"
PAYMENT_PROVIDERS = {"sandbox": "apps.payments.providers.sandbox.SandboxProvider"}
# The sandbox signs its callbacks like a real provider would. By default the key is derived from
# SECRET_KEY so nothing extra needs configuring.
PAYMENTS_SANDBOX_SECRET = env_str("PAYMENTS_SANDBOX_SECRET") or (
    "whsec_"
    + base64.b64encode(hmac.new(SECRET_KEY.encode(), b"payments-sandbox", hashlib.sha256).digest()).decode()
)
# Callbacks signed with the previous secret are still accepted until _PREVIOUS_UNTIL (rotation).
PAYMENTS_SANDBOX_SECRET_PREVIOUS = env_str("PAYMENTS_SANDBOX_SECRET_PREVIOUS", "")
PAYMENTS_SANDBOX_SECRET_PREVIOUS_UNTIL = env_until("PAYMENTS_SANDBOX_SECRET_PREVIOUS_UNTIL")
PAYMENTS_SANDBOX_WEBHOOK_URL = env_str(
    "PAYMENTS_SANDBOX_WEBHOOK_URL", f"{PUBLIC_BASE_URL}/api/payments/webhook/sandbox/"
)

# --- Notifications: by the guest's choice, e-mail (Django's mail framework) and/or SMS -------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", "587")
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# Console (printed to the log) unless a mail server is configured.
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "orders@localhost")
# Dotted path to an apps.notifications.sms.SmsProvider.
SMS_PROVIDER = env_str("SMS_PROVIDER") or "apps.notifications.sms.ConsoleSmsProvider"
# Production only: let e-mails and texts go to the log (console) instead of refusing to start.
ALLOW_CONSOLE_NOTIFICATIONS = env_bool("ALLOW_CONSOLE_NOTIFICATIONS", False)

# E-mail backends and SMS providers that deliver nothing to the guest (the message stays on the server).
_UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
_CONSOLE_SMS_PROVIDER = "apps.notifications.sms.ConsoleSmsProvider"


def validate_production_settings(
    env: Mapping[str, str], payment_providers: Collection[str] = ("sandbox",)
) -> list[str]:
    """The e-mail, SMS and payment providers a production start needs, read from ``env``.

    Raises ImproperlyConfigured naming every variable to set when e-mail or SMS would only be printed to
    the log (unless ALLOW_CONSOLE_NOTIFICATIONS=true) or PAYMENT_PROVIDER is not named (or unknown).
    Returns the warnings to log loudly at start: console notifications allowed, the sandbox named.
    """

    def get(name: str) -> str:
        return (env.get(name) or "").strip()

    allow_console = get("ALLOW_CONSOLE_NOTIFICATIONS").lower() in {"1", "true", "yes", "on"}
    problems: list[str] = []
    warnings: list[str] = []

    email_backend = get("EMAIL_BACKEND")
    if (email_backend in _UNDELIVERED_EMAIL_BACKENDS) or (not email_backend and not get("EMAIL_HOST")):
        what = (
            f"EMAIL_BACKEND={email_backend} delivers no e-mail"
            if email_backend
            else "neither EMAIL_HOST nor EMAIL_BACKEND is set"
        )
        if allow_console:
            warnings.append(
                f"e-mails to guests (password resets, order updates) are only printed to the log: {what} "
                "(ALLOW_CONSOLE_NOTIFICATIONS=true)"
            )
        else:
            problems.append(
                f"e-mail: {what}; set EMAIL_HOST (SMTP, with EMAIL_PORT, EMAIL_HOST_USER, "
                "EMAIL_HOST_PASSWORD) or EMAIL_BACKEND to a backend that sends mail"
            )
    sms_provider = get("SMS_PROVIDER") or _CONSOLE_SMS_PROVIDER
    if sms_provider == _CONSOLE_SMS_PROVIDER:
        if allow_console:
            warnings.append(
                f"text messages to guests are only printed to the log: SMS_PROVIDER is {sms_provider} "
                "(ALLOW_CONSOLE_NOTIFICATIONS=true)"
            )
        else:
            problems.append(
                f"SMS: SMS_PROVIDER is {'unset' if not get('SMS_PROVIDER') else sms_provider} "
                "(texts would only be printed to the log); set SMS_PROVIDER to a real provider's "
                "dotted path"
            )
    if problems:
        problems.append(
            "or, to print e-mails and texts to the log on purpose, set ALLOW_CONSOLE_NOTIFICATIONS=true"
        )

    payment_provider = get("PAYMENT_PROVIDER")
    known = ", ".join(sorted(payment_providers))
    if not payment_provider:
        problems.append(
            f"payments: PAYMENT_PROVIDER is not set; name the provider for card payments "
            f"(one of: {known}; PAYMENT_PROVIDER=sandbox takes no real money)"
        )
    elif payment_provider not in payment_providers:
        problems.append(
            f"payments: PAYMENT_PROVIDER={payment_provider} is not a known provider (one of: {known})"
        )
    elif payment_provider == "sandbox":
        warnings.append(
            "PAYMENT_PROVIDER=sandbox: card payments are simulated and no money is taken; "
            "orders marked paid online were not charged"
        )

    if problems:
        raise ImproperlyConfigured(
            "Refusing to start in production (DJANGO_ENV=production): " + "; ".join(problems) + "."
        )
    return warnings


if PRODUCTION:
    for _warning in validate_production_settings(environment(), PAYMENT_PROVIDERS):
        logging.getLogger("restaurant_backend.settings").warning("PRODUCTION WARNING: %s", _warning)
# Order status pushed into the guest's chat (Rasa's conversations API); empty RASA_URL = off.
RASA_URL = env_str("RASA_URL", "").rstrip("/")
# Rasa's --auth-token; the Procfile and Compose already give Rasa RASA_AUTH_TOKEN, so that is the fallback.
RASA_TOKEN = env_str("RASA_TOKEN") or env_str("RASA_AUTH_TOKEN", "")
RASA_PUSH_MAX_ATTEMPTS = env_int("RASA_PUSH_MAX_ATTEMPTS", "3")
RASA_PUSH_BACKOFF_SECONDS = env_float("RASA_PUSH_BACKOFF_SECONDS", "0.5")
RASA_PUSH_TIMEOUT_SECONDS = env_float("RASA_PUSH_TIMEOUT_SECONDS", "3")

# --- REST framework -----------------------------------------------------------------------------
THROTTLE_RATES = {
    "anon": env_str("THROTTLE_ANON", "120/min"),
    "service": env_str("THROTTLE_SERVICE", "3000/min"),
    # the assistant's requests for one chat conversation (apps/common/throttling.py)
    "conversation": env_str("THROTTLE_CONVERSATION", "300/min"),
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.common.auth.ServiceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["apps.common.auth.IsServiceOrStaff"],
    "DEFAULT_THROTTLE_CLASSES": [
        "apps.common.throttling.AnonThrottle",
        "apps.common.throttling.ConversationThrottle",
        "apps.common.throttling.ServiceThrottle",
    ],
    "DEFAULT_PAGINATION_CLASS": "apps.common.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"]
    + (["rest_framework.renderers.BrowsableAPIRenderer"] if DEBUG else []),
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "EXCEPTION_HANDLER": "apps.common.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Restaurant backend API",
    "DESCRIPTION": "Menu, carts, orders, payments and handoffs for the restaurant assistant. "
    "See docs/backend-api.md for the contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "PREPROCESSING_HOOKS": ["apps.common.schema.drop_v1_alias"],
}

# Throttle, lockout and rate counters. In memory by default, which is per gunicorn worker: with
# CACHE_URL (redis://...) every worker and every backend process counts together (scripts/prod.sh).
CACHE_URL = env_str("CACHE_URL", "").strip()
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Monitoring: Prometheus metrics (apps/common/metrics.py) at GET /metrics (metrics_endpoint.py), Sentry
# django-prometheus's middlewares (first and last in MIDDLEWARE) count requests, responses and
# latency. Under gunicorn, gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR so all workers are added up.
INSTALLED_APPS.append("django_prometheus")
PROMETHEUS_EXPORT_MIGRATIONS = False  # no database reads at start-up
# Bearer token Prometheus sends (Authorization: Bearer ...); empty = /metrics answers 404.
METRICS_TOKEN = env_str("METRICS_TOKEN", "").strip()
# Errors go to Sentry when SENTRY_DSN is set (a secret: environment only), nowhere when not.
SENTRY_DSN = env_str("SENTRY_DSN", "").strip()
SENTRY_TRACES_SAMPLE_RATE = float(env_str("SENTRY_TRACES_SAMPLE_RATE") or "0")
if SENTRY_DSN:
    from restaurant_backend.error_reporting import init_error_reporting

    init_error_reporting(SENTRY_DSN, SENTRY_TRACES_SAMPLE_RATE, environment=DJANGO_ENV)

# One JSON line per record on stderr, the format every service shares (service_common/logs.py), with
# the conversation id of the request (apps/common/log_context.py) and secrets masked.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"()": "apps.common.log_context.json_handler"}},
    "root": {"handlers": ["console"], "level": env_log_level()},
    # Django's defaults give these loggers plain-text handlers of their own: leave them to the root's
    "loggers": {name: {"handlers": [], "propagate": True} for name in ("django", "django.server")},
}

# --- Production hardening -------------------------------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", "31536000")
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"

# --- Review tool (apps/review): Rasa's tracker store, read-only through its own alias ------------
REPO_DIR = BASE_DIR.parent
TRACKER_DATABASE_URL = env_str("TRACKER_DATABASE_URL") or f"sqlite:///{REPO_DIR / 'var' / 'tracker.db'}"
DATABASES["tracker"] = dj_database_url.parse(TRACKER_DATABASE_URL)
if DATABASES["tracker"]["ENGINE"] == "django.db.backends.sqlite3":
    # Opened read-only: the review tool never writes here (deleting a guest uses its own connection).
    DATABASES["tracker"]["NAME"] = f"file:{DATABASES['tracker']['NAME']}?mode=ro"
    DATABASES["tracker"]["OPTIONS"] = {"uri": True, "timeout": 20}
    DATABASES["tracker"]["TEST"] = {"NAME": ":memory:"}
else:
    DATABASES["tracker"].setdefault("OPTIONS", {})["options"] = "-c default_transaction_read_only=on"
DATABASE_ROUTERS = ["apps.review.router.TrackerRouter"]
INSTALLED_APPS.append("apps.review")
REVIEW_TESTS_DIR = env_str("REVIEW_TESTS_DIR", str(REPO_DIR / "tests" / "conversations"))
REVIEW_NLU_DIR = env_str("REVIEW_NLU_DIR", str(REPO_DIR / "data" / "nlu"))
REVIEW_NLU_EXPORT_FILE = env_str("REVIEW_NLU_EXPORT_FILE", str(REPO_DIR / "data" / "nlu" / "reviewed.yml"))
REVIEW_LLM_EVAL_FILE = env_str("REVIEW_LLM_EVAL_FILE", str(REPO_DIR / "tests" / "data" / "llm_eval.jsonl"))
REVIEW_GROUPING = env_str("REVIEW_GROUPING", "embeddings")  # or "none"
REVIEW_GROUP_THRESHOLD = env_float("REVIEW_GROUP_THRESHOLD", "0.85")
LOGIN_URL = "/accounts/login/"
INSTALLED_APPS.append("apps.insights")
# --- Guest accounts (apps/accounts): sign up, log in, notification preferences, past orders -------
INSTALLED_APPS.append("apps.accounts")
# Guessing passwords (guest or staff, here or in /admin/): django-axes locks a username from one address
# after AXES_FAILURE_LIMIT failed logins in a row, for AXES_COOLOFF_MINUTES; the page says when to try again.
INSTALLED_APPS.append("axes")
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # last, as axes asks
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", "5")
AXES_COOLOFF_TIME = timedelta(minutes=env_float("AXES_COOLOFF_MINUTES", "15"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Behind the TLS proxy every request comes from the proxy: the guest's address is the one the proxy appended
# last to X-Forwarded-For (right-most; whatever a client wrote further left is ignored).
AXES_BEHIND_PROXY = env_bool("AXES_BEHIND_PROXY", PRODUCTION)
AXES_IPWARE_PROXY_ORDER = "right-most"
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_BEHIND_PROXY else ("REMOTE_ADDR",)
)
LOGIN_REDIRECT_URL = "/chat/"
LOGOUT_REDIRECT_URL = "/chat/"
# Region assumed for phone numbers typed without a +country code (ISO 3166 code, e.g. NL, GB, US).
ACCOUNTS_PHONE_REGION = env_str("ACCOUNTS_PHONE_REGION", "NL").strip().upper()
# --- Kitchen display and POS (apps/kitchen, docs/kitchen-and-pos.md) -------------------------------
INSTALLED_APPS.append("apps.kitchen")
# Where confirmed orders go: "kitchen_display" (the /kitchen/ page), "http" (a POS at POS_URL), or dotted paths.
POS_ADAPTERS = env_list("POS_ADAPTERS", "kitchen_display")
POS_URL = env_str("POS_URL", "")
POS_LOCATION_ID = env_str("POS_LOCATION_ID", "")
POS_SECRET = env_str("POS_SECRET") or (
    "" if PRODUCTION else "whsec_" + base64.b64encode(b"dev-pos-secret-change-me").decode()
)
if PRODUCTION and "http" in POS_ADAPTERS and not (POS_URL and POS_SECRET):
    raise ImproperlyConfigured("POS_URL and POS_SECRET must be set when POS_ADAPTERS includes http.")
POS_MAX_ATTEMPTS = env_int("POS_MAX_ATTEMPTS", "3")
POS_BACKOFF_SECONDS = env_float("POS_BACKOFF_SECONDS", "1.0")
POS_BACKOFF_MAX_SECONDS = env_float("POS_BACKOFF_MAX_SECONDS", "10")
POS_TIMEOUT_SECONDS = env_float("POS_TIMEOUT_SECONDS", "5")
# After an outage a submission waits this long before `manage.py retry_pos` sends it again.
POS_RETRY_AFTER_SECONDS = env_int("POS_RETRY_AFTER_SECONDS", "60")
