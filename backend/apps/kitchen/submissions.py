"""Get every confirmed order to each configured POS exactly once.

A submission is claimed with a conditional update on ``next_attempt_at`` before anything is sent,
so two workers (the confirm hook, ``manage.py retry_pos`` runs) never send it at the same time;
and adapters send every request for an order under the same idempotency key
(``pos.base.idempotency_key``), so even a resend after a crash makes no second ticket. An outage
leaves the submission pending with its error for ``retry_pos``.

An order cancelled or rejected here after a POS accepted it is withdrawn from that POS the same way:
claimed, retried, re-sent by ``retry_pos`` after an outage, under its own idempotency key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from apps.common.errors import ApiError
from apps.common.tasks import submit
from apps.kitchen.models import PosSubmission
from apps.kitchen.pos import PosRefused, PosResult, PosUnavailable, configured_names, get_adapter
from apps.ordering.models import Order
from apps.ordering.orders import set_status

logger = logging.getLogger(__name__)
Status = PosSubmission.Status
Withdrawal = PosSubmission.Withdrawal
CLOSED_ORDER = {Order.Status.CANCELLED, Order.Status.REJECTED}
T = TypeVar("T")


def _lease() -> timedelta:
    """Longer than one full send cycle; a crashed sender's claim expires after it."""
    per_try = settings.POS_TIMEOUT_SECONDS + settings.POS_BACKOFF_MAX_SECONDS
    return timedelta(seconds=settings.POS_MAX_ATTEMPTS * per_try + 30)


def queue_for_order(order: Order) -> list[PosSubmission]:
    """Called inside the status change to CONFIRMED: record a submission per POS, send after commit."""
    submissions = []
    for name in configured_names():
        submission, _ = PosSubmission.objects.get_or_create(order=order, adapter=name)
        submissions.append(submission)
        transaction.on_commit(lambda pk=submission.pk: submit(send_submission, pk), robust=True)
    return submissions


SENDING = {"status": Status.PENDING}  # what a submission still to be sent looks like
WITHDRAWING = {"status": Status.ACCEPTED, "withdrawal": Withdrawal.PENDING}  # and one still to be withdrawn


def _claim(submission_id: int, now: datetime, state: dict[str, str]) -> bool:
    return bool(
        PosSubmission.objects.filter(pk=submission_id, next_attempt_at__lte=now, **state).update(
            next_attempt_at=now + _lease(), updated_at=now
        )
    )


def _finish(submission_id: int, state: dict[str, str], **fields: object) -> None:
    PosSubmission.objects.filter(pk=submission_id, **state).update(updated_at=timezone.now(), **fields)


def _retrying(call: Callable[[], T], submission: PosSubmission) -> T:
    def attempt() -> T:
        PosSubmission.objects.filter(pk=submission.pk).update(attempts=F("attempts") + 1)
        return call()

    retrying = Retrying(
        stop=stop_after_attempt(settings.POS_MAX_ATTEMPTS),
        wait=wait_exponential(multiplier=settings.POS_BACKOFF_SECONDS, max=settings.POS_BACKOFF_MAX_SECONDS),
        retry=retry_if_exception_type(PosUnavailable),
        reraise=True,
    )
    return retrying(attempt)


def _outage(submission: PosSubmission, state: dict[str, str], exc: Exception, doing: str) -> None:
    if not isinstance(exc, PosUnavailable):
        logger.exception(
            "POS adapter %s failed %s order %s", submission.adapter, doing, submission.order.number
        )
    logger.warning(
        "POS %s unavailable %s order %s: %s", submission.adapter, doing, submission.order.number, exc
    )
    _finish(
        submission.pk,
        state,
        last_error=str(exc)[:1000],
        next_attempt_at=timezone.now() + timedelta(seconds=settings.POS_RETRY_AFTER_SECONDS),
    )


def send_submission(submission_id: int, now: datetime | None = None) -> PosSubmission:
    """Send one pending submission if it is due and nobody else is sending it; a no-op otherwise."""
    now = now or timezone.now()
    if not _claim(submission_id, now, SENDING):
        return PosSubmission.objects.get(pk=submission_id)
    submission = PosSubmission.objects.select_related("order", "order__customer").get(pk=submission_id)
    order = submission.order
    if order.status in CLOSED_ORDER:
        _finish(
            submission_id,
            SENDING,
            status=Status.CANCELLED,
            last_error=f"order {order.status} before the POS took it",
        )
        return PosSubmission.objects.get(pk=submission_id)
    try:
        result = _retrying(lambda: get_adapter(submission.adapter).submit(order), submission)
    except Exception as exc:
        _outage(submission, SENDING, exc, "sending")
        return PosSubmission.objects.get(pk=submission_id)
    if result.accepted:
        _finish(
            submission_id,
            SENDING,
            status=Status.ACCEPTED,
            external_id=result.external_id[:200],
            external_version=result.version,
            last_error="",
        )
        if Order.objects.filter(pk=order.pk, status__in=CLOSED_ORDER).exists():  # cancelled while it was sent
            queue_withdrawals(order)
    else:
        _finish(submission_id, SENDING, status=Status.REJECTED, last_error=result.reason[:1000])
        _reject_order(order, submission.adapter, result.reason)
    return PosSubmission.objects.get(pk=submission_id)


def queue_withdrawals(order: Order) -> None:
    """The order was cancelled or rejected here: withdraw it from every POS that accepted it (after commit)."""
    accepted = PosSubmission.objects.filter(
        order=order, status=Status.ACCEPTED, withdrawal=Withdrawal.NOT_NEEDED
    )
    pks = list(accepted.values_list("pk", flat=True))
    PosSubmission.objects.filter(pk__in=pks).update(
        withdrawal=Withdrawal.PENDING, next_attempt_at=timezone.now()
    )
    for pk in pks:
        transaction.on_commit(lambda pk=pk: submit(send_withdrawal, pk), robust=True)


def send_withdrawal(submission_id: int, now: datetime | None = None) -> PosSubmission:
    """Withdraw one accepted ticket if it is due and nobody else is doing it; a no-op otherwise."""
    now = now or timezone.now()
    if not _claim(submission_id, now, WITHDRAWING):
        return PosSubmission.objects.get(pk=submission_id)
    submission = PosSubmission.objects.select_related("order").get(pk=submission_id)
    accepted = PosResult.accept(submission.external_id, submission.external_version)
    try:
        _retrying(lambda: get_adapter(submission.adapter).withdraw(submission.order, accepted), submission)
    except PosRefused as refusal:
        logger.warning(
            "POS %s refused to withdraw order %s: %s", submission.adapter, submission.order.number, refusal
        )
        _finish(submission_id, WITHDRAWING, withdrawal=Withdrawal.REFUSED, last_error=str(refusal)[:1000])
    except Exception as exc:
        _outage(submission, WITHDRAWING, exc, "withdrawing")
    else:
        _finish(submission_id, WITHDRAWING, withdrawal=Withdrawal.DONE, last_error="")
    return PosSubmission.objects.get(pk=submission_id)


def _reject_order(order: Order, adapter: str, reason: str) -> None:
    logger.warning("POS %s rejected order %s: %s", adapter, order.number, reason)
    try:
        set_status(order.pk, Order.Status.REJECTED, actor="pos", enforce_window=False)
    except ApiError as error:  # e.g. already completed or cancelled meanwhile: leave it to staff
        logger.warning("order %s could not be marked rejected: %s", order.number, error.message)


def retry_due(now: datetime | None = None) -> list[PosSubmission]:
    """Send every pending submission and withdrawal whose next attempt is due (``manage.py retry_pos``)."""
    now = now or timezone.now()
    done = []
    for state, send in ((SENDING, send_submission), (WITHDRAWING, send_withdrawal)):
        due = PosSubmission.objects.filter(next_attempt_at__lte=now, **state).order_by(
            "next_attempt_at", "id"
        )
        done += [send(pk, now) for pk in due.values_list("pk", flat=True)]
    return done
