"""`manage.py erase_guest`: a data-deletion request that arrived by e-mail or letter (apps.customers.erasure)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.customers.erasure import (
    ErasureRefused,
    ErasureReport,
    erase_conversation,
    erase_customer,
    erase_email,
)
from apps.customers.models import Customer
from apps.review.models import audit


class Command(BaseCommand):
    help = (
        "Erase everything about a guest: a customer (cus_...), every guest with an e-mail address, or one chat "
        "conversation. Orders are kept for the accounts, anonymised. Prints what was deleted and kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--customer", help="the customer's public id, cus_...")
        who.add_argument("--email", help="every customer record and website account with this address")
        who.add_argument("--conversation", help="one chat conversation (Rasa sender id)")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="do not ask for confirmation",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        target = options["customer"] or options["email"] or options["conversation"]
        if options["interactive"]:
            answer = input(
                f"Erase everything about {target}? This cannot be undone. Type 'yes' to continue: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Nothing erased.")
        try:
            report = self._erase(options)
        except (ErasureRefused, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        audit(None, "erase_guest", report.subject[:255], via="manage.py erase_guest", **report.counts())
        self.stdout.write("\n".join(report.lines()))

    def _erase(self, options: dict[str, Any]) -> ErasureReport:
        if options["conversation"]:
            return erase_conversation(options["conversation"])
        if options["email"]:
            return erase_email(options["email"])
        customer = Customer.objects.filter(public_id=options["customer"].strip()).first()
        if customer is None:
            raise CommandError(f"No customer {options['customer']!r}.")
        return erase_customer(customer)
