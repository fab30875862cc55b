"""Re-send POS submissions left pending by an outage. Run it from cron, e.g. every minute:

* * * * * cd /srv/app/backend && ../.venv/bin/python manage.py retry_pos
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from apps.kitchen.submissions import retry_due


class Command(BaseCommand):
    help = "Send every pending POS submission that is due (safe to run concurrently and repeatedly)."

    def handle(self, *args: Any, **options: Any) -> None:
        results = retry_due()
        counts: dict[str, int] = {}
        for submission in results:
            counts[submission.status] = counts.get(submission.status, 0) + 1
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing due"
        self.stdout.write(f"retry_pos: {summary}")
