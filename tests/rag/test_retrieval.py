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


@pytest.mark.parametrize(
    "question, kind, category, within",
    [
        ("can I bring my dog", "policy", "accessibility", 1),
        ("wheelchair", "policy", "accessibility", 1),
        ("gift cards", "service", "gift-cards", 1),
        ("do you do catering for an office lunch", "service", "catering", 1),
        ("how much is delivery to 1053", "policy", "delivery", 3),  # the sample dialogue on it may rank first
        ("can I cancel my order", "policy", "cancellations", 3),
    ],
)
def test_guest_questions_find_the_right_document(retriever, question, kind, category, within):
    hits = retriever.search(question, top_k=within)
    assert (kind, category) in [(r.kind, r.category) for r in hits], [(r.kind, r.title) for r in hits]


def test_vegan_soup_question_finds_a_vegan_soup(retriever, backend):
    hits = retriever.search(
        "do you have vegan soup", top_k=3
    )  # a sample dialogue about vegan dishes may lead
    top = next(r for r in hits if r.kind == "menu_item")
    item = backend.get(f"/api/menu/items/{top.item_id}/")
    assert item["category"]["slug"] == "soups" and "vegan" in item["dietary_tags"], top.title


def test_allergen_exclusion_never_returns_the_allergen(any_retriever, backend):
    retriever = any_retriever  # dense and hybrid
    unfiltered = retriever.search("peanut noodles", top_k=10, filters=SearchFilters(kinds=("menu_item",)))
    assert any("peanuts" in backend.get(f"/api/menu/items/{r.item_id}/")["allergens"] for r in unfiltered)
    for excluded in (("peanuts",), ("peanuts", "milk"), ("nuts", "sesame", "cereals_gluten")):
        results = retriever.search(
            "peanut noodles", top_k=40, filters=SearchFilters(exclude_allergens=excluded)
        )
        menu = [r for r in results if r.kind == "menu_item"]
        assert menu
        for result in menu:  # checked against the backend, the source of truth
            allergens = backend.get(f"/api/menu/items/{result.item_id}/")["allergens"]
            assert not set(excluded) & set(allergens), (result.title, allergens)


def test_dietary_filter_requires_every_tag(any_retriever, backend):
    retriever = any_retriever  # dense and hybrid
    results = retriever.search(
        "something warm and filling", top_k=15, filters=SearchFilters(dietary=("vegan", "gluten_free"))
    )
    assert results
    for result in results:
        tags = backend.get(f"/api/menu/items/{result.item_id}/")["dietary_tags"]
        assert {"vegan", "gluten_free"} <= set(tags), (result.title, tags)


def test_availability_filter_drops_sold_out_and_switched_off_items(any_retriever, backend):
    retriever = any_retriever  # dense and hybrid
    unavailable = {item["id"] for item in backend.items() if not item["available"]}
    assert len(unavailable) >= 2  # lobster roll switched off, truffle risotto sold out
    hits = retriever.search(
        "lobster roll or truffle risotto", top_k=10, filters=SearchFilters(kinds=("menu_item",))
    )
    assert unavailable & {r.item_id for r in hits}
    hits = retriever.search(
        "lobster roll or truffle risotto",
        top_k=10,
        filters=SearchFilters(kinds=("menu_item",), available_only=True),
    )
    assert hits and not unavailable & {r.item_id for r in hits}
    assert all(r.available for r in hits)


def test_kind_filter_and_documents_pass_menu_filters(any_retriever):
    retriever = any_retriever  # dense and hybrid
    assert {r.kind for r in retriever.search("vegan", top_k=8, filters=SearchFilters(kinds=("faq",)))} == {
        "faq"
    }
    # allergen exclusion and availability keep documents (they are not dishes)
    hits = retriever.search(
        "wheelchair access",
        top_k=3,
        filters=SearchFilters(exclude_allergens=("peanuts",), available_only=True),
    )
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
    allowed = (
        {facts["minimum_order"]}
        | {z["fee"] for z in facts["delivery_zones"]}
        | {z["min_order"] for z in facts["delivery_zones"]}
    )
    for path in Path(DOCS_DIR).glob("*/*.md"):
        for amount in re.findall(r"€\s?(\d+(?:\.\d\d)?)", path.read_text()):
            assert amount in allowed, (
                f"{path.name}: €{amount} is not a fee or minimum order of the restaurant"
            )


def test_fast_query_path_gives_the_same_vector_as_sentence_transformers(retriever):
    import numpy as np

    text = "a spicy vegan noodle soup without peanuts, please"
    assert retriever.embedder.query_path == "jit"  # the traced encoder (RAG_QUERY_JIT) passed its check
    fast = np.array(retriever.embedder.embed_query(text))
    reference = np.array(retriever.embedder.embed_documents([text])[0])
    assert float(np.abs(fast - reference).max()) < 1e-4
    long_text = " ".join(["vegan noodle soup with tofu"] * 80)  # past the 256-token limit: truncated alike
    assert (
        float(
            np.abs(
                np.array(retriever.embedder.embed_query(long_text))
                - np.array(retriever.embedder.embed_documents([long_text])[0])
            ).max()
        )
        < 1e-4
    )


def test_hybrid_results_keep_their_cosine_similarity_as_score(indexer, rag_config):
    """Callers threshold on `score` (actions: answer_min_score), so hybrid keeps it a cosine similarity;
    the fusion score only orders the results (and is reported as `fused`)."""
    from rag.retriever import Retriever

    dense = Retriever(rag_config, embedder=indexer.embedder, index=indexer.index, hybrid=False)
    hybrid = Retriever(rag_config, embedder=indexer.embedder, index=indexer.index, hybrid=True)
    query = "garlic bread and peanut noodles"
    cosine = {r.id: r.score for r in dense.search(query, top_k=500)}
    results = hybrid.search(query, top_k=10)
    assert len(results) == 10
    for result in results:
        assert result.fused is not None and abs(result.score - cosine[result.id]) < 1e-4, result.title
    assert [r.fused for r in results] == sorted((r.fused for r in results), reverse=True)
    assert all(r.fused is None for r in dense.search(query, top_k=3))


def test_hybrid_brings_in_an_exact_word_match(indexer, rag_config):
    """A rare word in one dish's text ranks it through the BM25 side even when the embedding is unsure."""
    from rag.lexical import query_vector

    hits = indexer.index.search_lexical(query_vector("bitterballen"), None, 3)
    assert hits and hits[0].payload["slug"] == "bitterballen"
    assert indexer.index.search_lexical(query_vector("the and of"), None, 3) == []  # stopwords only: no side


def test_rag_hybrid_setting():
    from rag.config import RagConfig

    assert RagConfig.from_env({}).hybrid is True
    assert RagConfig.from_env({"RAG_HYBRID": "off"}).hybrid is False
    assert RagConfig.from_env({"RAG_HYBRID": "1"}).hybrid is True
    assert RagConfig.from_env({"RAG_HYBRID_LEXICAL_WEIGHT": "0.5"}).hybrid_lexical_weight == 0.5
    with pytest.raises(ValueError):
        RagConfig.from_env({"RAG_HYBRID": "maybe"})


@pytest.mark.parametrize(
    "query, filters",
    [
        ("peanut noodles", SearchFilters()),
        ("peanut noodles", SearchFilters(exclude_allergens=("peanuts", "milk"))),
        ("warm soup with bread", SearchFilters(dietary=("vegan",))),
        ("lobster roll truffle risotto", SearchFilters(kinds=("menu_item",), available_only=True)),
        ("can I cancel my order and get a refund", SearchFilters(kinds=("policy", "faq"))),
    ],
)
def test_embedded_lexical_mirror_gives_qdrants_answer(indexer, query, filters):
    """On the embedded store BM25 is answered from an in-memory mirror: same hits, same scores as Qdrant."""
    from rag.lexical import query_vector

    sparse = query_vector(query)
    by_qdrant = indexer.index.search_lexical(sparse, filters.to_qdrant(), 30)
    by_mirror = indexer.index.search_lexical(sparse, filters.to_qdrant(), 30, accepts=filters.accepts)
    assert by_qdrant and len(by_mirror) == len(by_qdrant)
    assert [round(h.score, 4) for h in by_mirror] == [round(h.score, 4) for h in by_qdrant]
    qdrant_scores = {str(h.id): h.score for h in by_qdrant}
    for hit in by_mirror:
        assert abs(qdrant_scores.get(str(hit.id), -1.0) - hit.score) < 1e-4 or round(hit.score, 4) == round(
            by_qdrant[-1].score, 4
        )  # a tie at the cut may pick another point
        assert filters.accepts(hit.payload)
