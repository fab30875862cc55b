"""Retrieval over the real demo menu and rag/docs: relevance for guest questions and hard filters."""
from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from rag.config import DOCS_DIR
from rag.retriever import SearchFilters


def test_cli_rebuild_indexes_menu_and_docs(cli_build, backend):
    assert cli_build.stdout.startswith("rebuilt:"), cli_build.stdout
    assert "embedding" in cli_build.stderr and "100%" in cli_build.stderr  # the tqdm bar
    points = int(re.search(r"rebuilt: (\d+) points", cli_build.stdout).group(1))
    assert points > len(backend.items()) == 75


def test_fresh_copy_is_current_and_embeds_nothing(indexer):
    before = indexer.embedder.documents_embedded
    report = indexer.ensure_current()
    assert report.action == "current"
    assert indexer.embedder.documents_embedded == before


@pytest.mark.parametrize("question, kind, category, within", [
    ("can I bring my dog", "policy", "accessibility", 1),
    ("wheelchair", "policy", "accessibility", 1),
    ("gift cards", "service", "gift-cards", 1),
    ("do you do catering for an office lunch", "service", "catering", 1),
    ("how much is delivery to 1053", "policy", "delivery", 3),  # the sample dialogue on it may rank first
    ("can I cancel my order", "policy", "cancellations", 3),
])
def test_guest_questions_find_the_right_document(retriever, question, kind, category, within):
    hits = retriever.search(question, top_k=within)
    assert (kind, category) in [(r.kind, r.category) for r in hits], [(r.kind, r.title) for r in hits]


def test_vegan_soup_question_finds_a_vegan_soup(retriever, backend):
    hits = retriever.search("do you have vegan soup", top_k=3)  # a sample dialogue about vegan dishes may lead
    top = next(r for r in hits if r.kind == "menu_item")
    item = backend.get(f"/api/menu/items/{top.item_id}/")
    assert item["category"]["slug"] == "soups" and "vegan" in item["dietary_tags"], top.title


def test_allergen_exclusion_never_returns_the_allergen(retriever, backend):
    unfiltered = retriever.search("peanut noodles", top_k=10, filters=SearchFilters(kinds=("menu_item",)))
    assert any("peanuts" in backend.get(f"/api/menu/items/{r.item_id}/")["allergens"] for r in unfiltered)
    for excluded in (("peanuts",), ("peanuts", "milk"), ("nuts", "sesame", "cereals_gluten")):
        results = retriever.search("peanut noodles", top_k=40, filters=SearchFilters(exclude_allergens=excluded))
        menu = [r for r in results if r.kind == "menu_item"]
        assert menu
        for result in menu:  # checked against the backend, the source of truth
            allergens = backend.get(f"/api/menu/items/{result.item_id}/")["allergens"]
            assert not set(excluded) & set(allergens), (result.title, allergens)


def test_dietary_filter_requires_every_tag(retriever, backend):
    results = retriever.search("something warm and filling", top_k=15,
                               filters=SearchFilters(dietary=("vegan", "gluten_free")))
    assert results
    for result in results:
        tags = backend.get(f"/api/menu/items/{result.item_id}/")["dietary_tags"]
        assert {"vegan", "gluten_free"} <= set(tags), (result.title, tags)


def test_availability_filter_drops_sold_out_and_switched_off_items(retriever, backend):
    unavailable = {item["id"] for item in backend.items() if not item["available"]}
    assert len(unavailable) >= 2  # lobster roll switched off, truffle risotto sold out
    hits = retriever.search("lobster roll or truffle risotto", top_k=10, filters=SearchFilters(kinds=("menu_item",)))
    assert unavailable & {r.item_id for r in hits}
    hits = retriever.search("lobster roll or truffle risotto", top_k=10,
                            filters=SearchFilters(kinds=("menu_item",), available_only=True))
    assert hits and not unavailable & {r.item_id for r in hits}
    assert all(r.available for r in hits)


def test_kind_filter_and_documents_pass_menu_filters(retriever):
    assert {r.kind for r in retriever.search("vegan", top_k=8, filters=SearchFilters(kinds=("faq",)))} == {"faq"}
    # allergen exclusion and availability keep documents (they are not dishes)
    hits = retriever.search("wheelchair access", top_k=3,
                            filters=SearchFilters(exclude_allergens=("peanuts",), available_only=True))
    assert hits[0].category == "accessibility"


async def test_asearch_runs_off_the_event_loop(retriever):
    results, _ = await asyncio.gather(retriever.asearch("gift cards", top_k=2), asyncio.sleep(0))
    assert results[0].category == "gift-cards"


def test_query_embeddings_are_cached(retriever):
    retriever.search("a question asked twice", top_k=1)
    before = retriever.embedder.queries_embedded
    retriever.search("a question asked twice", top_k=1)
    assert retriever.embedder.queries_embedded == before


def test_docs_hold_no_dish_prices_and_only_the_restaurants_amounts(backend):
    facts = backend.get("/api/restaurant/")
    allowed = {facts["minimum_order"]} | {z["fee"] for z in facts["delivery_zones"]} | {
        z["min_order"] for z in facts["delivery_zones"]}
    for path in Path(DOCS_DIR).glob("*/*.md"):
        for amount in re.findall(r"€\s?(\d+(?:\.\d\d)?)", path.read_text()):
            assert amount in allowed, f"{path.name}: €{amount} is not a fee or minimum order of the restaurant"


def test_fast_query_path_gives_the_same_vector_as_sentence_transformers(retriever):
    import numpy as np

    text = "a spicy vegan noodle soup without peanuts, please"
    fast = np.array(retriever.embedder.embed_query(text))
    reference = np.array(retriever.embedder.embed_documents([text])[0])
    assert float(np.abs(fast - reference).max()) < 1e-4
