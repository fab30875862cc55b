from apps.review.tests.conftest import tracker  # noqa: F401 - the tracker store the page reads
from tests.conftest import _clear_cache, api, demo  # noqa: F401 - shared fixtures
