from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.restaurant.demo import DemoFileError, load_demo


class Command(BaseCommand):
    help = "Load (or reload) the demo restaurant from backend/demo/restaurant.yaml. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--file", default=settings.DEMO_RESTAURANT_FILE, help="YAML file to load")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = load_demo(Path(options["file"]))
        except DemoFileError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(f"Demo restaurant loaded: {report.summary()}"))
