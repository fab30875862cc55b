"""Allergen exclusion for every one of the 14 EU allergen codes: a query that naturally finds dishes
with the allergen, searched with it excluded, never returns such a dish (by the backend's own data),
in dense and in hybrid search, and from the lexical (BM25) side on its own."""

from __future__ import annotations

import pytest

from vocabulary import ALLERGEN_CODES

# code -> a query that would naturally hit dishes containing it
QUERIES = {
    "cereals_gluten": "bread, pasta and noodles",
    "crustaceans": "prawn",
    "eggs": "egg fried rice",
    "fish": "fish and chips with tuna or salmon",
    "peanuts": "peanut satay noodles",
    "soybeans": "soy sauce tofu edamame",
    "milk": "creamy cheese pasta",
    "nuts": "walnut pistachio dessert",
    "celery": "celery soup",
    "mustard": "dijon mustard sandwich",
    "sesame": "sesame hummus tahini",
    "sulphites": "red wine",
    "lupin": "lupin flour bread",
    "molluscs": "squid calamari",
}


@pytest.fixture(scope="module")
def backend_allergens(backend) -> dict[int, set[str]]:
    return {item["id"]: set(item["allergens"]) for item in backend.items()}


def test_all_fourteen_codes_covered():
    assert set(QUERIES) == set(ALLERGEN_CODES) and len(ALLERGEN_CODES) == 14


@pytest.mark.parametrize("allergen", sorted(QUERIES))
def test_excluded_allergen_never_returned(allergen, any_retriever, backend, backend_allergens):
    from rag.retriever import SearchFilters

    retriever = any_retriever
    results = retriever.search(
        QUERIES[allergen], top_k=20, filters=SearchFilters(exclude_allergens=(allergen,))
    )
    assert results, f"no results for {QUERIES[allergen]!r} without {allergen}"
    menu_items = [r for r in results if r.kind == "menu_item"]
    assert menu_items, "the query should still find some menu items"
    for result in menu_items:
        allergens = backend_allergens.get(result.item_id)
        if allergens is None:  # an item the backend gained after the fixture was read
            allergens = set(backend.get(f"/api/menu/items/{result.item_id}/")["allergens"])
        assert allergen not in allergens, f"{result.title} contains {allergen}"


@pytest.mark.parametrize("allergen", sorted(QUERIES))
def test_lexical_side_alone_never_returns_the_allergen(allergen, indexer, backend_allergens):
    """The BM25 candidates themselves are filtered in Qdrant (before any fusion or Python check)."""
    from rag.lexical import query_vector
    from rag.retriever import SearchFilters

    sparse = query_vector(QUERIES[allergen])
    unfiltered = indexer.index.search_lexical(sparse, None, 100)
    if any(allergen in codes for codes in backend_allergens.values()):  # the demo menu has no lupin dish
        assert any(
            allergen in backend_allergens.get((hit.payload or {}).get("item_id"), ()) for hit in unfiltered
        ), f"{QUERIES[allergen]!r} should find a dish with {allergen} by its words"
    hits = indexer.index.search_lexical(sparse, SearchFilters(exclude_allergens=(allergen,)).to_qdrant(), 100)
    for hit in hits:
        payload = hit.payload or {}
        assert allergen not in payload.get("allergens", [])
        if payload.get("kind") == "menu_item" and payload.get("item_id") in backend_allergens:
            assert allergen not in backend_allergens[payload["item_id"]], payload.get("title")
