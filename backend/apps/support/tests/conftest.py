from apps.notifications.tests.conftest import rasa, sms  # noqa: F401 - Rasa's HTTP API stand-in, SMS recorder
from apps.review.tests.conftest import tracker  # noqa: F401 - the tracker store the page reads
from tests.conftest import _clear_cache, api, demo, receiver  # noqa: F401 - shared fixtures
