"""Allergies a guest states filter recommendations: "nuts" means peanuts as well as tree nuts (the EU
list and our menu keep them apart), and an allergy our menu data cannot check is said honestly instead
of breaking the conversation's later recommendations.

Real parts: the backend's demo menu and restaurant (backend/demo/restaurant.yaml), served the way the
backend's GET /api/menu/items/ serves them (unknown allergen codes are refused with a 400, as in
backend/apps/menu/views.py), the real BackendClient, Recommender, moods and ActionRecommend. The
parses are what the trained NLU model makes of the messages. The LLM is offline unless a test scripts it.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import wiring
from actions.backend_client import BackendClient, MenuItem
from actions.llm_actions import ActionRecommend
from actions.recommending import Recommender, load_moods, satisfies
from llm.client import LlmClient
from llm.config import LlmConfig
from llm.prompting import Prompts
from vocabulary import ALLERGEN_CODES, DIETARY_CODES, NUT_CODES

DEMO = Path(__file__).resolve().parents[2] / "backend" / "demo" / "restaurant.yaml"
DATA = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
NUTS = set(NUT_CODES)


def _demo_items() -> list[dict[str, Any]]:
    categories = {c["slug"]: c for c in DATA["categories"]}
    items = []
    for number, item in enumerate(DATA["items"], start=1):
        category = categories[item["category"]]
        items.append(
            {
                "id": number,
                "slug": item["slug"],
                "name": item["name"],
                "description": item.get("description", ""),
                "price": str(item["price"]),
                "currency": "EUR",
                "category": {"id": category["position"], "slug": category["slug"], "name": category["name"]},
                "allergens": item.get("allergens") or [],
                "dietary_tags": item.get("dietary_tags") or [],
                "mood_tags": item.get("mood_tags") or [],
                "spice_level": item.get("spice_level") or 0,
                "available": item.get("is_available", True),
                "is_special": False,
            }
        )
    return items


ITEMS = _demo_items()
BY_NAME = {item["name"]: item for item in ITEMS}


def demo_backend(requests: list[httpx.Request]) -> httpx.MockTransport:
    """GET /api/menu/items/ and /api/restaurant/ as the backend answers them for the demo data."""

    def codes(raw: str | None, vocabulary: set[str]) -> list[str] | None:
        values = [c.strip() for c in (raw or "").split(",") if c.strip()]
        return None if set(values) - vocabulary else values

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        if request.url.path == "/api/restaurant/":
            return httpx.Response(200, json=DATA["restaurant"])
        assert request.url.path == "/api/menu/items/", request.url
        params = request.url.params
        excluded = codes(params.get("exclude_allergens"), set(ALLERGEN_CODES))
        dietary = codes(params.get("dietary"), set(DIETARY_CODES))
        if excluded is None or dietary is None:
            return httpx.Response(
                400, json={"error": {"code": "validation_error", "message": "Unknown value."}}
            )
        results = [
            item
            for item in ITEMS
            if not set(excluded) & set(item["allergens"]) and set(dietary) <= set(item["dietary_tags"])
        ]
        return httpx.Response(200, json={"count": len(results), "next": None, "results": results})

    return httpx.MockTransport(handle)


class PickingLlm:
    """An online model that "forgets" the allergy: it picks the nut dishes whenever they are candidates."""

    def __init__(self) -> None:
        self.real = LlmClient(LlmConfig(GROQ_API_KEY=None))
        self.ledger = self.real.ledger
        self.online = True

    async def complete(self, messages: list[dict[str, Any]], **kwargs: Any) -> Any:
        picks = [
            i["id"] for i in ITEMS if set(i["allergens"]) & NUTS
        ]  # non-candidates are dropped by the code
        return type(
            "Completion",
            (),
            {"text": json.dumps({"suggestions": [{"id": i, "reason": "Crunchy."} for i in picks]})},
        )


class EveryDishRetriever:
    """Retrieval that finds every dish passing the hard filters (rag.retriever.SearchFilters.accepts)."""

    async def asearch(self, query: str, *, top_k: int, filters: Any) -> list[Any]:
        hits = []
        for item in ITEMS:
            payload = {
                "kind": "menu_item",
                "available": True,
                "allergens": item["allergens"],
                "dietary_tags": item["dietary_tags"],
                "category": item["category"]["slug"],
            }
            if filters.accepts(payload) and set(item["allergens"]) & NUTS:  # the nut dishes read as relevant
                hits.append(type("Hit", (), {"item_id": item["id"]}))
        return hits[:top_k]


def user(text: str, intent: str, **entities: str) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "parse_data": {
            "text": text,
            "intent": {"name": intent, "confidence": 0.9},
            "entities": [{"entity": name, "value": value} for name, value in entities.items()],
        },
    }


def conversation(*turns: dict[str, Any]) -> Tracker:
    return Tracker("allergy-test", {}, turns[-1]["parse_data"], list(turns), False, None, {}, "action_listen")


@pytest.fixture
def guest_sees(monkeypatch: pytest.MonkeyPatch):
    """Run action_recommend on a conversation against the demo backend; returns what the guest reads."""
    monkeypatch.delenv("GROQ_API_KEY", raising=False)
    requests: list[httpx.Request] = []

    def run(tracker: Tracker, llm: Any = None) -> tuple[str, list[dict[str, Any]]]:
        async def scenario() -> tuple[str, list[dict[str, Any]]]:
            client = BackendClient("http://backend", "token", transport=demo_backend(requests))
            model = llm or LlmClient(LlmConfig(GROQ_API_KEY=None))
            wiring.use_backend(client)
            wiring.use_llm(model.real if isinstance(model, PickingLlm) else model)
            wiring._hosts["recommender"] = Recommender(
                backend=client,
                retriever=EveryDishRetriever(),
                llm=model,
                moods=load_moods(),
                prompts=Prompts(restaurant="Harbour & Hearth", token_budget=3000),
            )
            dispatcher = CollectingDispatcher()
            try:
                events = await ActionRecommend().run(dispatcher, tracker, {})
            finally:
                await client.aclose()
            return "\n".join(m.get("text") or "" for m in dispatcher.messages), events

        try:
            return asyncio.run(scenario())
        finally:
            wiring.use_backend(None)
            wiring.use_llm(None)

    yield run
    wiring._hosts.clear()


def recommended(text: str) -> list[str]:
    return [name for name, item in BY_NAME.items() if f"{name} (€{Decimal(item['price']):.2f})" in text]


# (message, intent, entities) as the trained model parses them
NUT_STATEMENTS = [
    ("something without nuts", "recommend", {"allergen": "nuts"}),
    ("no nuts please, what do you recommend?", "recommend", {"allergen": "nuts"}),
    ("I have a nut allergy, what do you recommend?", "recommend", {"faq_topic": "nut allergy"}),
    ("recommend something nut-free", "recommend", {"mood": "nut_free"}),
    ("I'm allergic to nuts, what do you suggest?", "recommend", {}),
]


def test_the_demo_menu_has_peanut_and_tree_nut_dishes_under_separate_codes():
    assert {name for name, i in BY_NAME.items() if "peanuts" in i["allergens"]} >= {
        "Pad Thai",
        "Chicken Satay",
    }
    assert {name for name, i in BY_NAME.items() if "nuts" in i["allergens"]} >= {
        "Lamb Tagine",
        "Cheese Board",
    }


def test_excluding_nuts_excludes_peanut_dishes_too():
    menu = [MenuItem.model_validate(item) for item in ITEMS]
    allowed = {item.name for item in menu if satisfies(item, [], ["nuts"])}
    assert allowed and not {name for name in allowed if set(BY_NAME[name]["allergens"]) & NUTS}
    assert "Pad Thai" not in allowed and "Chicken Satay" not in allowed


@pytest.mark.parametrize("text,intent,entities", NUT_STATEMENTS, ids=[case[0] for case in NUT_STATEMENTS])
def test_no_peanut_or_tree_nut_dish_is_recommended_after_a_nut_statement(guest_sees, text, intent, entities):
    reply, _events = guest_sees(conversation(user(text, intent, **entities)), llm=PickingLlm())
    named = recommended(reply)
    assert len(named) >= 2, reply
    assert not [name for name in named if set(BY_NAME[name]["allergens"]) & NUTS], reply
    assert "without peanuts or tree nuts" in reply, reply


def test_nut_free_stated_earlier_still_covers_peanuts(guest_sees):
    reply, _ = guest_sees(
        conversation(
            user("something nut free please", "browse_menu", dietary="nut_free"),
            user("I'm feeling adventurous, what do you suggest?", "recommend", mood="adventurous"),
        ),
        llm=PickingLlm(),
    )
    named = recommended(reply)
    assert named and not [name for name in named if set(BY_NAME[name]["allergens"]) & NUTS], reply


def test_a_peanut_allergy_alone_still_allows_tree_nuts():
    menu = {item["name"]: MenuItem.model_validate(item) for item in ITEMS}
    assert not satisfies(menu["Pad Thai"], [], ["peanuts"])
    assert satisfies(menu["Cheese Board"], [], ["peanuts"])


def test_an_allergy_the_menu_cannot_check_is_said_honestly(guest_sees):
    reply, _ = guest_sees(conversation(user("I'm allergic to kiwi, what do you recommend?", "recommend")))
    assert "I can't check our dishes for kiwi" in reply, reply
    assert "please ask our staff before ordering" in reply, reply
    assert DATA["restaurant"]["phone"] in reply, reply


def test_an_unknown_allergen_value_from_nlu_does_not_break_later_recommendations(guest_sees):
    first = user("I'm allergic to strawberries, recommend something", "recommend", allergen="strawberries")
    reply, _ = guest_sees(conversation(first))
    assert "I can't check our dishes for strawberries" in reply, reply
    later, events = guest_sees(
        conversation(first, user("recommend something cozy", "recommend", mood="cozy"))
    )
    named = recommended(later)
    assert len(named) >= 2, later
    assert any(e.get("name") == "last_recommendations" and e.get("value") for e in events)
