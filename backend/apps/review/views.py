from __future__ import annotations

import datetime as dt
import json
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.customers.erasure import erase_conversation

from . import exporting, nlu
from .masking import mask
from .models import (
    AuditLog,
    ConversationReview,
    ConversationSummary,
    MessageFlag,
    SavedFilter,
    Tag,
    TurnCorrection,
    audit,
)
from .stories import save_test
from .tracker import CONTEXT_CHARS, load_conversation, refresh_summaries

PERMISSION = "review.reviewer"
PAGE_SIZE = 50


def realign(text: str, entities: list[dict]) -> list[dict]:
    """Entity spans picked on the masked screen text, mapped back onto the original text."""
    out = []
    for e in entities or []:
        if not e.get("entity"):
            continue
        start, end, value = e.get("start"), e.get("end"), e.get("value")
        if value is not None and (start is None or text[int(start) : int(end)] != value):
            found = text.find(str(value))
            if found < 0:
                continue
            start, end = found, found + len(str(value))
        if start is None or end is None:
            continue
        start, end = int(start), int(end)
        out.append(
            {
                "entity": str(e["entity"])[:64],
                "start": start,
                "end": end,
                "value": value if value is not None else text[start:end],
            }
        )
    return out


def reviewer_required(view):
    @login_required(login_url="/admin/login/")
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not (request.user.is_active and request.user.is_staff and request.user.has_perm(PERMISSION)):
            raise PermissionDenied("reviewers only")
        return view(request, *args, **kwargs)

    return wrapped


def _day(value: str | None) -> float | None:
    try:
        return (
            dt.datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp()
            if value
            else None
        )
    except ValueError:
        return None


def filter_summaries(params) -> QuerySet[ConversationSummary]:  # noqa: F821
    qs = ConversationSummary.objects.all()
    if (start := _day(params.get("from"))) is not None:
        qs = qs.filter(last_ts__gte=start)
    if (end := _day(params.get("to"))) is not None:
        qs = qs.filter(first_ts__lt=end + 86400)
    if params.get("channel"):
        qs = qs.filter(channel=params["channel"])
    for key, lookup in (("min_turns", "turns__gte"), ("max_turns", "turns__lte")):
        if params.get(key, "").isdigit():
            qs = qs.filter(**{lookup: int(params[key])})
    if params.get("conf_below"):
        try:
            qs = qs.filter(min_confidence__lt=float(params["conf_below"]))
        except ValueError:
            pass
    for flag in ("has_fallback", "has_handoff", "placed"):
        if params.get(flag):
            qs = qs.filter(**{flag: True})
    if params.get("abandoned"):
        qs = qs.filter(cart_set=True, placed=False)
    if params.get("intent"):
        qs = qs.filter(intents__contains=f"|{params['intent'].strip()}|")
    if params.get("action"):
        qs = qs.filter(actions__contains=f"|{params['action'].strip()}|")
    status = params.get("status")
    if status in ("reviewed", "flagged"):
        qs = qs.filter(sender_id__in=ConversationReview.objects.filter(status=status).values("sender_id"))
    elif status == "new":
        qs = qs.exclude(sender_id__in=ConversationReview.objects.exclude(status="new").values("sender_id"))
    if params.get("tag"):
        qs = qs.filter(
            sender_id__in=ConversationReview.objects.filter(tags__name=params["tag"]).values("sender_id")
        )
    return qs.order_by("-last_ts", "-id")


FILTER_KEYS = [
    "from",
    "to",
    "channel",
    "min_turns",
    "max_turns",
    "conf_below",
    "has_fallback",
    "has_handoff",
    "placed",
    "abandoned",
    "intent",
    "action",
    "status",
    "tag",
]


@reviewer_required
def inbox(request: HttpRequest) -> HttpResponse:
    tracker_error = ""
    try:
        refresh_summaries()
    except DatabaseError as exc:  # e.g. no var/tracker.db yet: show what was summarised before
        tracker_error = (
            f"The tracker store is not reachable ({exc.__class__.__name__}); showing the last summary."
        )
    params = request.GET
    paginator = Paginator(filter_summaries(params), PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    rows = list(page.object_list)
    reviews = {
        r.sender_id: r
        for r in ConversationReview.objects.filter(
            sender_id__in=[r.sender_id for r in rows]
        ).prefetch_related("tags")
    }
    for row in rows:
        review = reviews.get(row.sender_id)
        row.status = review.status if review else "new"
        row.tag_names = [t.name for t in review.tags.all()] if review else []
        row.masked_text = mask(row.first_text)
        row.started = dt.datetime.fromtimestamp(row.first_ts or 0, dt.timezone.utc)
    query = urlencode([(k, params[k]) for k in FILTER_KEYS if params.get(k)])
    return render(
        request,
        "review/inbox.html",
        {
            "page": page,
            "rows": rows,
            "tracker_error": tracker_error,
            "params": params,
            "query": query,
            "saved": SavedFilter.objects.filter(owner=request.user).order_by("name"),
            "channels": list(
                ConversationSummary.objects.exclude(channel="")
                .order_by()
                .values_list("channel", flat=True)
                .distinct()
            ),
            "tags": Tag.objects.order_by("name"),
        },
    )


@reviewer_required
@require_POST
def save_filter(request: HttpRequest) -> HttpResponse:
    name = request.POST.get("name", "").strip()[:100] or "filter"
    query = request.POST.get("query", "")
    SavedFilter.objects.create(name=name, query=query, owner=request.user)
    audit(request.user, "save_filter", name, query=query)
    return HttpResponseRedirect(reverse("review:inbox") + ("?" + query if query else ""))


def _masked_items(items: list[dict]) -> list[dict]:
    for item in items:
        if "text" in item:
            item["masked"] = mask(item["text"])
        if item.get("kind") == "user":
            item["entities_json"] = json.dumps(
                [
                    {
                        "entity": e["entity"],
                        "start": e.get("start"),
                        "end": e.get("end"),
                        **({"value": e["value"]} if mask(e.get("value")) == e.get("value") else {}),
                    }
                    for e in item["entities"]
                ]
            )
            for e in item["entities"]:
                e["masked_value"] = mask(e.get("value"))
                if e.get("start") is not None:
                    e["masked_text"] = mask(item["text"][e["start"] : e["end"]])
        if item.get("kind") == "slot":
            item["masked_value"] = mask(json.dumps(item.get("value"))[:CONTEXT_CHARS])
        if item.get("context"):
            item["masked_context"] = mask(json.dumps(item["context"])[:CONTEXT_CHARS])
    return items


@reviewer_required
def conversation(request: HttpRequest, sender_id: str) -> HttpResponse:
    items = load_conversation(sender_id)
    if not items:
        return render(request, "review/missing.html", {"sender_id": sender_id}, status=404)
    review = ConversationReview.objects.filter(sender_id=sender_id).first()
    flags: dict[int, list[str]] = {}
    for flag in MessageFlag.objects.filter(sender_id=sender_id):
        flags.setdefault(flag.event_id, []).append(flag.label)
    for item in items:
        item["flags"] = flags.get(item["id"], [])
    return render(
        request,
        "review/conversation.html",
        {
            "sender_id": sender_id,
            "masked_sender": mask(sender_id),
            "items": _masked_items(items),
            "status": review.status if review else "new",
            "tags": [t.name for t in review.tags.all()] if review else [],
            "labels": MessageFlag.LABELS,
            "saved_path": request.GET.get("saved"),
        },
    )


@reviewer_required
@require_POST
def conversation_action(request: HttpRequest, sender_id: str) -> HttpResponse:
    op = request.POST.get("op")
    review, _ = ConversationReview.objects.get_or_create(sender_id=sender_id)
    back = reverse("review:conversation", args=[sender_id])
    if op == "reviewed":
        review.status = "reviewed"
        review.save()
        audit(request.user, "mark_reviewed", sender_id)
    elif op == "tag":
        names = [
            n.strip().lower().replace(" ", "-")[:64]
            for n in request.POST.get("tag", "").split(",")
            if n.strip()
        ]
        for name in names:
            review.tags.add(Tag.objects.get_or_create(name=name)[0])
        audit(request.user, "tag", sender_id, tags=names)
    elif op == "untag":
        review.tags.remove(*Tag.objects.filter(name=request.POST.get("tag", "")))
        audit(request.user, "untag", sender_id, tag=request.POST.get("tag", ""))
    elif op == "flag":
        event_id = int(request.POST["event_id"])
        label = request.POST.get("label", "wrong")
        if label not in dict(MessageFlag.LABELS):
            raise PermissionDenied("unknown label")
        MessageFlag.objects.get_or_create(
            sender_id=sender_id,
            event_id=event_id,
            label=label,
            defaults={"note": request.POST.get("note", "")[:1000]},
        )
        if label != "good":
            review.status = "flagged"
            review.save()
        audit(request.user, "flag_message", sender_id, event_id=event_id, label=label)
    elif op == "correct":
        event_id = int(request.POST["event_id"])
        original = next((i for i in load_conversation(sender_id) if i["id"] == event_id), None)
        if original is None or original["kind"] != "user":
            raise PermissionDenied("not a user turn of this conversation")
        entities = realign(original["text"], json.loads(request.POST.get("entities") or "[]"))
        intent = request.POST.get("intent", "").strip()
        TurnCorrection.objects.update_or_create(
            event_id=event_id, defaults={"sender_id": sender_id, "intent": intent, "entities": entities}
        )
        audit(request.user, "correct_turn", sender_id, event_id=event_id, intent=intent, entities=entities)
    elif op == "save_test":
        path = save_test(sender_id, load_conversation(sender_id))
        audit(request.user, "save_test", sender_id, path=str(path))
        return HttpResponseRedirect(back + "?" + urlencode({"saved": str(path)}))
    return HttpResponseRedirect(back)


@reviewer_required
def delete_conversation(request: HttpRequest, sender_id: str) -> HttpResponse:
    """A data-deletion request for one conversation: everything about it is erased (apps.customers.erasure)."""
    if request.method == "POST" and request.POST.get("confirm") == sender_id:
        try:
            report = erase_conversation(sender_id)
        except (
            DatabaseError,
            OSError,
        ) as exc:  # e.g. the tracker store is down: the database was rolled back
            return render(
                request,
                "review/delete.html",
                {
                    "sender_id": sender_id,
                    "masked_sender": mask(sender_id),
                    "failure": f"The erasure did not complete ({exc.__class__.__name__}); the database was left as it was. "
                    "Try again when the tracker store is reachable.",
                },
                status=503,
            )
        audit(
            request.user,
            "delete_conversation",
            sender_id,
            events_removed=report.deleted["tracker_events"],
            **report.counts(),
        )
        return render(request, "review/deleted.html", {"masked_sender": mask(sender_id), "report": report})
    return render(
        request,
        "review/delete.html",
        {"sender_id": sender_id, "masked_sender": mask(sender_id), "error": request.method == "POST"},
    )


@reviewer_required
def nlu_inbox(request: HttpRequest) -> HttpResponse:
    groups = nlu.candidate_groups(limit=int(request.GET.get("limit", "200") or 200))
    from .exporting import known_intents

    return render(request, "review/nlu.html", {"groups": groups, "intents": known_intents()})


@reviewer_required
@require_POST
def nlu_decide(request: HttpRequest) -> HttpResponse:
    op = request.POST.get("op")
    ids = [int(i) for i in request.POST.getlist("event") if i.isdigit()]
    intent = request.POST.get("intent", "").strip()
    picked = {
        int(k): v for k, v in json.loads(request.POST.get("entities") or "{}").items() if str(k).isdigit()
    }
    entities = {}
    if picked:
        texts = {c["event_id"]: c["text"] for c in nlu.candidates()}
        entities = {i: realign(texts[i], e) for i, e in picked.items() if i in texts}
    done = nlu.decide(ids, op, intent, entities)
    audit(request.user, f"nlu_{op}", "", count=done, intent=intent)
    if request.headers.get("Accept") == "application/json":
        return HttpResponse(json.dumps({"decided": done}), content_type="application/json")
    return HttpResponseRedirect(reverse("review:nlu"))


@reviewer_required
@require_POST
def export(request: HttpRequest) -> HttpResponse:
    result = exporting.export_all()
    audit(request.user, "export", "", **result)
    return render(request, "review/exported.html", {"result": result})


@reviewer_required
def audit_log(request: HttpRequest) -> HttpResponse:
    return render(request, "review/audit.html", {"entries": AuditLog.objects.all()[:500]})
