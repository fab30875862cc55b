"""The LLM's list_menu tool filters allergens the way recommendations do: a guest's "nuts" keeps
peanuts out too (the EU list names them apart), and an allergy the menu has no code for is never
silently passed over: the backend is not asked to filter on it, and the tool's answer tells the LLM
the dishes were not checked for it."""

from __future__ import annotations

import asyncio
import json

import httpx

from actions.backend_client import BackendClient
from actions.freeform import _Turn


def listing_for(arguments: dict) -> tuple[dict, list[str]]:
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params.get("exclude_allergens", ""))
        return httpx.Response(200, json={"count": 0, "next": None, "results": []})

    async def run() -> dict:
        backend = BackendClient("http://backend.test", "token", transport=httpx.MockTransport(answer))
        try:
            return await _Turn(backend, open_cart=None, max_quantity=20).run(
                "list_menu", json.dumps(arguments)
            )
        finally:
            await backend.aclose()

    return asyncio.run(run()), asked


def test_nuts_from_the_llm_excludes_peanuts_and_tree_nuts():
    listing, asked = listing_for({"exclude_allergens": ["nuts"]})
    assert set(asked[0].split(",")) == {"peanuts", "nuts"}
    assert "unchecked_allergens" not in listing


def test_the_nut_free_tag_excludes_both_as_well():
    _, asked = listing_for({"dietary": ["nut_free"]})
    assert set(asked[0].split(",")) == {"peanuts", "nuts"}


def test_an_allergy_the_menu_has_no_code_for_is_reported_not_ignored():
    listing, asked = listing_for({"exclude_allergens": ["kiwi", "milk"]})
    assert asked == ["milk"]  # the backend would refuse the whole search for an unknown code
    assert listing["unchecked_allergens"] == ["kiwi"] and "staff" in listing["note"]
