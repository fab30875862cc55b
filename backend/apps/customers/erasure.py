"""Erasing a guest (GDPR right to erasure): one service for a customer, a website account, an e-mail address
or one chat conversation. Staff use it from the review tool and `manage.py erase_guest`; guests from their
account page.

Deleted: the conversations (Rasa's tracker events, found through the guest's carts, orders, hand-offs and
the customer id in chat metadata), the review tool's rows, NLU decisions and exported lines drawn from
them, hand-offs, notifications (addresses, numbers, texts), open carts, the customer record, the website
account and its login records.

Kept, anonymised: orders and their payments are bookkeeping records the restaurant must keep (number,
date, items, amounts, fees, status, payment). Their name, contact details, address, postcode and every
link to the guest or the chat go; so do the same links in outgoing webhook records about them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q

from apps.customers.models import Customer
from apps.kitchen.models import PosSubmission
from apps.notifications.models import Notification
from apps.ordering.models import Cart, Order, new_details_token
from apps.payments.models import Payment
from apps.review import deletion, export_scrub
from apps.review.deletion import delete_rows
from apps.support.models import Handoff
from apps.webhooks.models import WebhookDelivery

LABELS = {
    "tracker_events": "chat messages and events (Rasa's tracker store)",
    "conversation_summaries": "conversation summaries (review tool)",
    "message_flags": "flagged messages (review tool)",
    "turn_corrections": "turn corrections (review tool)",
    "conversation_reviews": "conversation reviews (review tool)",
    "nlu_decisions": "NLU inbox decisions on the guest's messages",
    "exported_nlu_examples": "lines in the exported NLU examples",
    "exported_llm_eval_cases": "lines in the exported LLM evaluation set",
    "saved_conversation_tests": "saved conversation tests",
    "handoffs": "hand-offs to staff",
    "notifications": "order notifications (e-mail addresses, phone numbers, texts)",
    "carts": "carts",
    "customers": "customer records (name, phone, e-mail, address)",
    "user_accounts": "website accounts",
    "login_records": "login records (IP address, browser)",
    "orders": "orders (kept for the accounts, without name, contact, address, postcode or chat link)",
    "webhook_deliveries": "outgoing webhook records (customer and chat ids removed)",
    "audit_log_entries": "review audit entries (quoted guest text removed)",
    "admin_log_entries": "admin history entries (user name removed)",
}
ORDERS_KEPT = (
    "Orders are kept for the restaurant's accounts, as bookkeeping law requires: number, date, items, "
    "amounts, status and payment record stay; the name, contact details, delivery address, postcode "
    "and the links to the guest and the chat are gone."
)
EXPORTS_NOTE = (
    "Exported files were changed on disk only: copies committed to git (or shared) before now still "
    "hold those lines; commit data/nlu/reviewed.yml, tests/data/llm_eval.jsonl and "
    "tests/conversations/ again (older commits keep them)."
)
EXTERNAL_NOTE = (
    "The payment provider and any external POS keep their own records of these orders; "
    "ask them separately if the request covers them."
)
BACKUPS_NOTE = "Database backups made before now still contain the erased data until they expire."


class ErasureRefused(Exception):
    """Staff accounts are not erased this way: an administrator removes their access first."""


@dataclass
class ErasureReport:
    subject: str  # "customer cus_…" or "conversation …": an id, never a name
    deleted: Counter[str] = field(default_factory=Counter)
    anonymised: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, dict[str, int]]:
        """Non-zero counts only; fit for the audit log (no personal data)."""
        return {
            "deleted": {k: n for k, n in sorted(self.deleted.items()) if n},
            "anonymised": {k: n for k, n in sorted(self.anonymised.items()) if n},
        }

    def rows(self) -> list[dict[str, object]]:
        """One row per kind of thing touched: key, label, deleted and anonymised counts (for pages)."""
        kinds = [k for k in LABELS if self.deleted[k] or self.anonymised[k]]
        return [
            {"key": k, "label": LABELS[k], "deleted": self.deleted[k], "anonymised": self.anonymised[k]}
            for k in kinds
        ]

    def lines(self) -> list[str]:
        counts = self.counts()
        out = [f"Erased {self.subject}."]
        for verb, items in (("deleted", counts["deleted"]), ("anonymised", counts["anonymised"])):
            out += [f"  {verb:<10} {n:>6}  {LABELS.get(k, k)}" for k, n in items.items()]
        if not counts["deleted"] and not counts["anonymised"]:
            out.append("  Nothing was stored about them.")
        return out + [f"Note: {note}" for note in self.notes]


def erase_customer(customer: Customer) -> ErasureReport:
    """The customer, their website account (if any) and everything about them."""
    users = [customer.user] if customer.user_id else []
    return _erase(f"customer {customer.public_id}", [customer], users, set())


def erase_user(user) -> ErasureReport:
    """A website account, its customer record (if one was ever made) and everything about them."""
    customers = list(Customer.objects.filter(user=user))
    subject = f"customer {customers[0].public_id}" if customers else f"website account #{user.pk}"
    return _erase(subject, customers, [user], set())


def erase_email(email: str) -> ErasureReport:
    """Every customer record and website account with this e-mail address (a request that came by e-mail)."""
    email = email.strip()
    if not email:
        raise ValueError("an e-mail address is needed")
    users = list(get_user_model().objects.filter(email__iexact=email))
    customers = list(
        Customer.objects.filter(  # also the guest whose order updates went to this address
            Q(email__iexact=email) | Q(user__in=users) | Q(order__notifications__recipient__iexact=email)
        ).distinct()
    )
    ids = [c.public_id for c in customers] + [
        f"website account #{u.pk}" for u in users if not hasattr(u, "customer")
    ]
    return _erase(f"guest {', '.join(sorted(ids)) or '(none found)'}", customers, users, set())


def erase_conversation(sender_id: str) -> ErasureReport:
    """One chat conversation. The guest of an anonymous order in it (details typed on the order's page, no
    account) is erased too: the conversation is all that identifies them. A website account's orders in it
    stay with the account, only unlinked from the conversation."""
    customers = (
        Customer.objects.filter(user=None)
        .filter(
            Q(order__conversation_id=sender_id)
            | Q(cart__conversation_id=sender_id)
            | Q(handoff__conversation_id=sender_id)
        )
        .distinct()
    )
    return _erase(f"conversation {sender_id}", list(customers), [], {sender_id})


def _conversations_of(customers: list[Customer]) -> set[str]:
    ids: set[str] = set()
    for model in (Cart, Order, Handoff):
        ids |= set(
            model.objects.filter(customer__in=customers)
            .exclude(conversation_id="")
            .values_list("conversation_id", flat=True)
        )
    for customer in customers:
        ids |= deletion.senders_mentioning(customer.public_id)
    return ids


def _erase(subject: str, customers: list[Customer], users: list, sender_ids: set[str]) -> ErasureReport:
    users = list({u.pk: u for u in [*users, *(c.user for c in customers if c.user_id)]}.values())
    if any(u.is_staff or u.is_superuser for u in users):
        raise ErasureRefused("This is a staff account: remove its staff access in the admin first.")
    customers = list(Customer.objects.filter(Q(pk__in=[c.pk for c in customers]) | Q(user__in=users)))
    sender_ids = set(sender_ids) | _conversations_of(customers)
    report = ErasureReport(subject)
    tracker = deletion.read(sender_ids)  # before anything is deleted: what the exports and decisions match
    with transaction.atomic():
        order_ids = _anonymise_orders(report, customers, sender_ids)
        _erase_carts(report, customers, sender_ids)
        report.deleted["handoffs"] = delete_rows(
            Handoff.objects.filter(Q(customer__in=customers) | Q(conversation_id__in=sender_ids))
        )
        _scrub_webhooks(report, order_ids, {c.public_id for c in customers}, sender_ids)
        report.deleted.update(deletion.delete_review_rows(sender_ids))
        decisions = deletion.delete_nlu_decisions(tracker)
        report.deleted["nlu_decisions"] = len(decisions)
        report.anonymised["audit_log_entries"] = deletion.scrub_audit(sender_ids)
        report.deleted["customers"] = delete_rows(Customer.objects.filter(pk__in=[c.pk for c in customers]))
        _delete_users(report, users)
        # Files and the tracker store cannot roll back: last, so a failure before them changes nothing and
        # a failure in them rolls the database back for a retry (which finds everything again).
        report.deleted["exported_nlu_examples"] = export_scrub.remove_nlu_examples(decisions)
        report.deleted["exported_llm_eval_cases"] = export_scrub.remove_llm_eval_cases(tracker.event_ids)
        report.deleted["saved_conversation_tests"] = export_scrub.remove_saved_tests(sender_ids)
        report.deleted["tracker_events"] = deletion.delete_events(tracker.sender_ids)
    _add_notes(report, order_ids)
    return report


def _anonymise_orders(report: ErasureReport, customers: list[Customer], sender_ids: set[str]) -> list[int]:
    """Orders of the guest (or placed anonymously in their conversations) keep their bookkeeping facts only."""
    order_ids = list(
        Order.objects.filter(
            Q(customer__in=customers) | Q(conversation_id__in=sender_ids, customer=None)
        ).values_list("pk", flat=True)
    )
    report.deleted["notifications"] = delete_rows(Notification.objects.filter(order_id__in=order_ids))
    for pk in order_ids:  # a fresh details token: an old details link can't attach new data to the order
        Order.objects.filter(pk=pk).update(
            customer=None,
            delivery_address="",
            postcode=None,
            conversation_id="",
            details_token=new_details_token(),
        )
    report.anonymised["orders"] = len(order_ids)
    others = (
        Order.objects.filter(conversation_id__in=sender_ids)
        .exclude(pk__in=order_ids)
        .update(conversation_id="")
    )
    if others:
        report.notes.append(
            f"{others} order(s) placed in the conversation belong to a website account and stay "
            "with it (only unlinked from the conversation); erase that account to anonymise them."
        )
    return order_ids


def _erase_carts(report: ErasureReport, customers: list[Customer], sender_ids: set[str]) -> None:
    carts = Cart.objects.filter(Q(customer__in=customers) | Q(conversation_id__in=sender_ids, customer=None))
    ordered = set(carts.filter(orders__isnull=False).values_list("pk", flat=True))
    open_or_abandoned = set(carts.values_list("pk", flat=True)) - ordered
    report.anonymised["carts"] = Cart.objects.filter(pk__in=ordered).update(
        customer=None, conversation_id="", postcode=""
    )
    report.deleted["carts"] = delete_rows(Cart.objects.filter(pk__in=open_or_abandoned))
    Cart.objects.filter(conversation_id__in=sender_ids).update(conversation_id="")  # a kept account's carts


def _scrub_webhooks(
    report: ErasureReport, order_ids: list[int], public_ids: set[str], sender_ids: set[str]
) -> None:
    """Webhook records keep the event (order number, status), not who it was about."""
    orders = set(order_ids)
    found = WebhookDelivery.objects.filter(
        Q(payload__data__order_id__in=order_ids)
        | Q(payload__data__customer__in=public_ids)
        | Q(payload__data__conversation_id__in=sender_ids)
    )
    for delivery in found:
        data = delivery.payload.get("data") or {}
        ours = data.get("order_id") in orders
        if ours or data.get("customer") in public_ids:
            data["customer"] = None
        if ours or data.get("conversation_id") in sender_ids:
            data["conversation_id"] = None
        delivery.save(update_fields=["payload"])
        report.anonymised["webhook_deliveries"] += 1


def _delete_users(report: ErasureReport, users: list) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    user_type = ContentType.objects.get_for_model(get_user_model())
    for user in users:
        username = user.get_username()
        report.deleted["login_records"] += sum(
            delete_rows(model.objects.filter(username=username))
            for model in (AccessAttempt, AccessFailureLog, AccessLog)
        )
        report.anonymised["admin_log_entries"] += LogEntry.objects.filter(
            content_type=user_type, object_id=str(user.pk)
        ).update(object_repr=f"erased user #{user.pk}")
        user.delete()
        report.deleted["user_accounts"] += 1


def _add_notes(report: ErasureReport, order_ids: Iterable[int]) -> None:
    if report.anonymised["orders"]:
        report.notes.append(ORDERS_KEPT)
        external = (
            Payment.objects.filter(order_id__in=order_ids).exclude(provider__in=["", "sandbox"]).exists()
            or PosSubmission.objects.filter(order_id__in=order_ids)
            .exclude(adapter="kitchen_display")
            .exists()
        )
        if external:
            report.notes.append(EXTERNAL_NOTE)
    if any(
        report.deleted[k]
        for k in ("exported_nlu_examples", "exported_llm_eval_cases", "saved_conversation_tests")
    ):
        report.notes.append(EXPORTS_NOTE)
    if any(report.deleted.values()) or any(report.anonymised.values()):
        report.notes.append(BACKUPS_NOTE)
