"""Production settings: the same module with DJANGO_ENV forced to production."""

import os

os.environ["DJANGO_ENV"] = "production"

from restaurant_backend.settings import *  # noqa: F403
