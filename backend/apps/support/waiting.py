"""Nobody waits forever: a handoff nobody claims is followed up with the guest, and staff are paged.

HANDOFF_UNCLAIMED_SECONDS after the request, if no one has claimed it, the guest is told (by the
assistant, in their chat) that no one is free yet, with the restaurant's phone number; the assistant
was never paused, so they can simply carry on with it, and the request stays open for staff.
HANDOFF_NOTIFY_AFTER_SECONDS after it, staff are e-mailed (HANDOFF_NOTIFY_EMAILS) and texted
(HANDOFF_NOTIFY_PHONES) through the backend's own e-mail backend and SMS provider, with the guest's
words masked (the page behind support.handle_handoff is the only place they are shown in full).
Both run on a timer of the backend process that took the request; each is done at most once
(a conditional update). A restarted backend schedules again what open requests still wait for
(`resume_follow_ups`, from gunicorn's post_worker_init), so a restart delays a step, never skips it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import QuerySet
from django.utils import timezone

from apps.common.tasks import later
from apps.notifications.chat_push import PushFailed, post_to_conversation
from apps.notifications.sms import get_sms_provider
from apps.restaurant.models import get_restaurant
from apps.restaurant.services import is_open_at
from apps.review.masking import mask
from apps.support.models import Handoff

logger = logging.getLogger(__name__)


def staff_available(moment: datetime | None = None) -> bool:
    """Someone can join only while the restaurant is open."""
    return is_open_at(get_restaurant(), moment or timezone.now())


@dataclass(frozen=True)
class Step:
    """One follow-up of an unclaimed handoff: its delay setting, the field marking it done, its work."""

    delay_setting: str
    done_field: str
    run: Callable[[int], None]

    @property
    def delay(self) -> float:
        return float(getattr(settings, self.delay_setting))


def follow_up(handoff: Handoff) -> None:
    """Schedule the guest's reminder and the staff page for a new open handoff (0 = off)."""
    _schedule(Handoff.objects.filter(pk=handoff.pk))


def resume_follow_ups(now: datetime | None = None) -> list[threading.Timer]:
    """Schedule the steps open handoffs still wait for, each at its own time (at once when overdue):
    what the timers of a stopped process would have done. Every worker may call it; each step is still
    done once. Returns the timers."""
    return _schedule(Handoff.objects.all(), now)


def _schedule(handoffs: QuerySet[Handoff], now: datetime | None = None) -> list[threading.Timer]:
    """A timer for each step each of these open handoffs still waits for, due `delay` after its request."""
    now = now or timezone.now()
    timers = []
    for step in STEPS:
        if step.delay <= 0:
            continue
        pending = handoffs.filter(status=Handoff.Status.OPEN, **{f"{step.done_field}__isnull": True})
        for handoff_id, created_at in pending.values_list("pk", "created_at"):
            timers.append(
                later(max(0.0, step.delay - (now - created_at).total_seconds()), step.run, handoff_id)
            )
    return timers


def _still_open(handoff_id: int, **mark: datetime) -> Handoff | None:
    """The handoff, marked done for this step, if it is still unclaimed and the step was not done yet."""
    ((field, _),) = mark.items()
    taken = Handoff.objects.filter(
        pk=handoff_id, status=Handoff.Status.OPEN, **{f"{field}__isnull": True}
    ).update(**mark)
    return Handoff.objects.filter(pk=handoff_id).first() if taken else None


def remind_guest(handoff_id: int) -> None:
    handoff = _still_open(handoff_id, guest_reminded_at=timezone.now())
    if handoff is None:
        return
    phone = get_restaurant().phone
    call = f"You can call us on {phone}, or" if phone else "You can"
    text = (
        f"Sorry, no one from the team is free yet. {call} carry on here with me: I can still take your order, "
        "and your request stays open, so a person will join as soon as they can."
    )
    try:
        post_to_conversation(
            handoff.conversation_id,
            "tracker/events",
            [{"event": "bot", "text": text, "metadata": {"pushed": True}}],
            output_channel="latest",
            execute_side_effects="true",
        )
    except PushFailed as error:
        logger.warning("handoff %s: the guest could not be told no one is free: %s", handoff_id, error)


def page_staff(handoff_id: int) -> None:
    handoff = _still_open(handoff_id, staff_paged_at=timezone.now())
    if handoff is None:
        return
    minutes = max(1, round((timezone.now() - handoff.created_at).total_seconds() / 60))
    text = (
        f"A guest has waited {minutes} min for a person in the chat (request #{handoff.pk}): "
        f'"{mask(handoff.reason)[:200]}". Claim it on the staff page (/support/).'
    )
    if settings.HANDOFF_NOTIFY_EMAILS:
        try:
            send_mail(
                f"A guest is waiting for a person (request #{handoff.pk})",
                text,
                settings.DEFAULT_FROM_EMAIL,
                settings.HANDOFF_NOTIFY_EMAILS,
                fail_silently=False,
            )
        except Exception:
            logger.exception("handoff %s: staff e-mail failed", handoff_id)
    for phone in settings.HANDOFF_NOTIFY_PHONES:
        try:
            get_sms_provider().send(phone, text)
        except Exception:
            logger.exception("handoff %s: staff text to one number failed", handoff_id)


STEPS = (
    Step("HANDOFF_UNCLAIMED_SECONDS", "guest_reminded_at", remind_guest),
    Step("HANDOFF_NOTIFY_AFTER_SECONDS", "staff_paged_at", page_staff),
)
