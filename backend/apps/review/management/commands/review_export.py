from django.core.management.base import BaseCommand

from apps.review.exporting import export_all
from apps.review.models import audit


class Command(BaseCommand):
    help = "Export validated NLU examples (data/nlu/reviewed.yml) and flagged LLM replies (JSON lines)."

    def add_arguments(self, parser):
        parser.add_argument("--nlu-file", default=None)
        parser.add_argument("--llm-file", default=None)

    def handle(self, *args, **options):
        result = export_all(options["nlu_file"], options["llm_file"])
        audit(None, "export_command", "", **result)
        self.stdout.write(
            f"{result['nlu_examples_added']} NLU example(s) added, "
            f"{result['llm_eval_cases']} LLM evaluation case(s) written"
        )
