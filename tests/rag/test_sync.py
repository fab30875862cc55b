"""Index maintenance: deterministic ids, hash-skipping, item updates and the signed menu webhook."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone

from standardwebhooks import Webhook

from rag.documents import point_id
from rag.retriever import SearchFilters
from rag.webhook import handle_menu_updated
from tests.rag.helpers import WEBHOOK_SECRET


def all_ids(indexer) -> set[str]:
    return set(indexer.index.hashes())


def test_rebuild_twice_gives_the_same_ids_and_count(indexer):
    before = all_ids(indexer)
    first = indexer.rebuild(progress=False)
    second = indexer.rebuild(progress=False)
    assert set(first.ids) == set(second.ids) == all_ids(indexer) == before
    assert first.points == second.points == len(before)


def test_update_of_an_unchanged_item_embeds_nothing(indexer, backend):
    item = backend.item_by_slug("garlic-bread")
    before = indexer.embedder.documents_embedded
    report = indexer.update_items([item["id"]])
    assert (report.embedded, report.payload_updated, report.unchanged) == (0, 0, 1)
    assert indexer.embedder.documents_embedded == before


def test_price_change_rewrites_payload_without_embedding(indexer, backend):
    item = backend.item_by_slug("dutch-apple-pie")
    backend.update_item("dutch-apple-pie", price="7.25")
    before = indexer.embedder.documents_embedded
    report = indexer.update_items([item["id"]])
    assert (report.embedded, report.payload_updated) == (0, 1)
    assert indexer.embedder.documents_embedded == before
    assert indexer.index.payload(point_id("menu_item", str(item["id"])))["price"] == 7.25


def test_changed_description_becomes_searchable(indexer, retriever, backend):
    item = backend.item_by_slug("poffertjes")
    query = "pancakes dusted with saffron sugar and lavender"
    backend.update_item(
        "poffertjes", description="Fluffy mini pancakes dusted with saffron sugar and lavender."
    )
    before = indexer.embedder.documents_embedded
    started = time.perf_counter()
    report = indexer.update_items([item["id"]])
    top = retriever.search(query, top_k=1)[0]
    elapsed = time.perf_counter() - started
    assert report.embedded == 1 and indexer.embedder.documents_embedded == before + 1
    assert top.item_id == item["id"] and "saffron" in top.text
    print(f"menu change -> searchable: {elapsed * 1000:.0f} ms")


def signed(body: str, *, secret: str = WEBHOOK_SECRET, at: datetime | None = None) -> dict[str, str]:
    message_id = f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(tz=timezone.utc)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
        "content-type": "application/json",
    }


def test_webhook_verifies_signature_and_reembeds_only_listed_items(indexer, retriever, backend):
    item = backend.item_by_slug("stroopwafel-sundae")
    pid = point_id("menu_item", str(item["id"]))
    backend.update_item(
        "stroopwafel-sundae",
        description="Vanilla ice cream with stroopwafel crumbs and a comet of smoked maple caramel.",
    )
    body = json.dumps(
        {
            "type": "menu.updated",
            "timestamp": datetime.now(tz=timezone.utc).isoformat(),
            "data": {"item_ids": [item["id"]], "version": "v999"},
        }
    )
    old_text = indexer.index.payload(pid)["text"]
    before = indexer.embedder.documents_embedded

    wrong_secret = "whsec_" + "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldA=="
    refused = [
        handle_menu_updated(signed(body, secret=wrong_secret), body, WEBHOOK_SECRET, indexer),
        handle_menu_updated(
            signed(body, at=datetime.now(tz=timezone.utc) - timedelta(minutes=10)),
            body,
            WEBHOOK_SECRET,
            indexer,
        ),
        handle_menu_updated({**signed(body), "webhook-signature": "v1,AAAA"}, body, WEBHOOK_SECRET, indexer),
        handle_menu_updated(signed(body), body.replace("v999", "v998"), WEBHOOK_SECRET, indexer),  # tampered
    ]
    assert [r.status for r in refused] == [401, 401, 401, 401]
    assert indexer.embedder.documents_embedded == before
    assert indexer.index.payload(pid)["text"] == old_text

    accepted = handle_menu_updated(signed(body), body.encode(), WEBHOOK_SECRET, indexer)
    assert accepted.status == 200 and accepted.body["embedded"] == 1
    assert indexer.embedder.documents_embedded == before + 1
    top = retriever.search(
        "comet of smoked maple caramel", top_k=1, filters=SearchFilters(kinds=("menu_item",))
    )[0]
    assert top.item_id == item["id"]
    from rag.lexical import query_vector  # the embedded store's in-memory BM25 mirror was refreshed too

    lexical = indexer.index.search_lexical(query_vector("comet maple"), None, 1, accepts=lambda payload: True)
    assert str(lexical[0].id) == pid


def test_webhook_secret_rotation_accepts_the_previous_secret_only_inside_the_window(indexer, backend):
    from service_common.secret_rotation import accepted_secrets

    item = backend.item_by_slug("creme-brulee")
    body = json.dumps(
        {
            "type": "menu.updated",
            "timestamp": datetime.now(tz=timezone.utc).isoformat(),
            "data": {"item_ids": [item["id"]], "version": "v1000"},
        }
    )
    new_secret = "whsec_" + "bmV3LXJvdGF0ZWQtd2ViaG9vay1zZWNyZXQ="
    now = datetime.now(tz=timezone.utc)
    during = accepted_secrets(new_secret, WEBHOOK_SECRET, (now + timedelta(minutes=30)).isoformat())
    after = accepted_secrets(new_secret, WEBHOOK_SECRET, (now - timedelta(seconds=1)).isoformat())
    # the backend still signs with the old secret while the action server already has the new one
    assert handle_menu_updated(signed(body), body, during, indexer).status == 200
    assert handle_menu_updated(signed(body, secret=new_secret), body, during, indexer).status == 200
    assert handle_menu_updated(signed(body), body, after, indexer).status == 401
    assert handle_menu_updated(signed(body, secret=new_secret), body, after, indexer).status == 200


def test_ensure_current_catches_up_after_missed_changes(indexer, backend):
    item = backend.item_by_slug("creme-brulee")
    backend.update_item("creme-brulee", description="Baked vanilla custard under a glassy burnt-sugar lid.")
    report = indexer.ensure_current()
    assert report.action == "synced" and report.embedded >= 1
    assert point_id("menu_item", str(item["id"])) in report.ids
    assert report.menu_version == backend.get("/api/menu/version/")["version"]
    again = indexer.ensure_current()
    assert again.action == "current" and again.embedded == 0


def test_index_of_an_older_layout_is_rebuilt(indexer):
    """An index built before the sparse (BM25) vector existed is rebuilt by ensure_current()."""
    from rag.index import SCHEMA_VERSION

    indexer.index.set_meta(schema=SCHEMA_VERSION - 1)
    report = indexer.ensure_current()
    assert report.action == "rebuilt"
    assert indexer.index.meta()["schema"] == SCHEMA_VERSION
    assert indexer.ensure_current().action == "current"
