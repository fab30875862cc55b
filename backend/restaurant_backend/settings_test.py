"""Settings for the test suite: a real SQLite file database, inline background work."""

import os
import tempfile

from restaurant_backend.settings import *  # noqa: F403
from restaurant_backend.settings import DATABASES

# A file (not the shared in-memory database) so that threads and the live server really run
# concurrently against it, with WAL and the busy timeout from the main settings.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"restaurant_backend_test_{os.getpid()}.sqlite3")
    }

BACKGROUND_TASKS_SYNC = True
WEBHOOK_URLS: list[str] = []
WEBHOOK_SECRET = "whsec_dGVzdC13ZWJob29rLXNlY3JldC0xMjM0NTY3ODkw"
WEBHOOK_BACKOFF_SECONDS = 0.01
WEBHOOK_BACKOFF_MAX_SECONDS = 0.05
WEBHOOK_MAX_ATTEMPTS = 3
BACKEND_SERVICE_TOKEN = "test-service-token"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_PROVIDER = "apps.notifications.sms.ConsoleSmsProvider"
RASA_URL = ""  # no chat push unless a test points it at its own server
RASA_PUSH_BACKOFF_SECONDS = 0.01
POS_ADAPTERS = ["kitchen_display"]
POS_URL = ""
POS_SECRET = "whsec_dGVzdC1wb3Mtc2VjcmV0LTEyMzQ1Njc4OTAxMjM0"
POS_BACKOFF_SECONDS = 0.01
POS_BACKOFF_MAX_SECONDS = 0.05
POS_TIMEOUT_SECONDS = 2.0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# No follow-up timers on handoffs unless a test asks for them (apps/support/waiting.py).
HANDOFF_UNCLAIMED_SECONDS = 0
HANDOFF_NOTIFY_AFTER_SECONDS = 0
