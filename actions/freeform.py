"""The free-form fallback: for messages NLU cannot place, the LLM may look dishes up and propose
cart changes through tools that run against the backend. It never places an order: `create_order`
only asks the dialogue to start the checkout confirmation. Knows nothing of Rasa."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from actions.answering import Answerer, money_amounts
from actions.backend_client import BackendClient, BackendRejected, BackendUnavailable, Cart, MenuItem
from actions.core.formatting import allergen_list, cart_text, money
from actions.core.matching import match_dish
from actions.llm_text import REFUSAL, fact_sheet, finish
from actions.recommending import exclusions
from llm.client import LlmClient, LlmUnavailable, Message
from llm.guard.links import find_links
from llm.injection import looks_like_injection
from llm.prompting import Prompts
from vocabulary import ALLERGEN_CODES, DIETARY_CODES

logger = logging.getLogger(__name__)

CartOpener = Callable[[], Awaitable[Cart]]


class ListMenuArgs(BaseModel):
    category: str | None = Field(None, description="category slug, e.g. pizzas, soups, desserts")
    dietary: list[str] = Field(default_factory=list, description="required tags: " + ", ".join(DIETARY_CODES))
    exclude_allergens: list[str] = Field(
        default_factory=list, description="allergen codes to exclude, e.g. peanuts, milk, cereals_gluten"
    )


class ItemDetailsArgs(BaseModel):
    name: str = Field(..., min_length=1, max_length=80, description="the dish name")


class AddToCartArgs(BaseModel):
    name: str = Field(..., min_length=1, max_length=80, description="the exact menu name of the dish")
    quantity: int = Field(1, ge=1, le=99, description="how many")
    size: str | None = Field(None, max_length=40, description="size option, when the dish has sizes")


class CreateOrderArgs(BaseModel):
    pass


TOOL_ARGS: dict[str, type[BaseModel]] = {
    "list_menu": ListMenuArgs,
    "get_item_details": ItemDetailsArgs,
    "add_to_cart": AddToCartArgs,
    "create_order": CreateOrderArgs,
}
TOOL_DESCRIPTIONS = {
    "list_menu": "List dishes on the menu with their prices, optionally filtered.",
    "get_item_details": "Details of one dish: description, ingredients, allergens, dietary tags, sizes, price.",
    "add_to_cart": "Add an exact menu dish to the guest's cart. Reports what was added and the cart total.",
    "create_order": "The guest wants to order what is in the cart: shows them the summary to confirm. Does not place the order.",
}


def tool_specs() -> list[dict[str, Any]]:
    """OpenAI/Groq tool definitions; the JSON schemas come from the same models that validate the arguments."""
    return [
        {
            "type": "function",
            "function": {
                "name": name,
                "description": TOOL_DESCRIPTIONS[name],
                "parameters": model.model_json_schema(),
            },
        }
        for name, model in TOOL_ARGS.items()
    ]


@dataclass
class FreeFormReply:
    text: str
    mode: Literal["llm", "offline", "unknown", "refused", "cached"]
    added: list[str] = field(default_factory=list)  # deterministic lines, written from the backend's cart
    cart: Cart | None = None
    wants_checkout: bool = False
    tool_calls: int = 0


class _Turn:
    """Tool execution for one guest message; remembers what actually happened in the backend."""

    def __init__(self, backend: BackendClient, open_cart: CartOpener, max_quantity: int) -> None:
        self.backend = backend
        self.open_cart = open_cart
        self.max_quantity = max_quantity
        self.added: list[str] = []
        self.cart: Cart | None = None
        self.wants_checkout = False
        self.amounts: list[Any] = []
        self.fresh: dict[int, MenuItem] = {}  # dishes read afresh this turn; the fact check uses these

    async def run(self, name: str, raw_arguments: str) -> dict[str, Any]:
        model = TOOL_ARGS.get(name)
        if model is None:
            return {"error": f"unknown tool {name}"}
        try:
            args = model.model_validate(json.loads(raw_arguments or "{}"))
        except (ValueError, ValidationError) as error:
            return {"error": f"invalid arguments: {str(error)[:300]}"}
        # the method of that name takes the arguments model TOOL_ARGS names for it
        tool: Callable[[BaseModel], Awaitable[dict[str, Any]]] = getattr(self, name)
        try:
            return await tool(args)
        except BackendUnavailable:
            return {"error": "the ordering system is unavailable right now; nothing was changed"}
        except BackendRejected as rejection:
            return {"error": rejection.message}

    async def list_menu(self, args: ListMenuArgs) -> dict[str, Any]:
        # the same exclusions as recommendations: "nuts" means peanuts too; unknown codes can't be checked
        excluded = exclusions(args.dietary, args.exclude_allergens)
        unchecked = sorted(set(args.exclude_allergens) - set(ALLERGEN_CODES))
        filters = {
            key: value
            for key, value in {
                "category": args.category or "",
                "dietary": ",".join(args.dietary),
                "exclude_allergens": ",".join(excluded),
                "available": "true",
            }.items()
            if value
        }
        items = await self.backend.search_items(**filters)
        listing: dict[str, Any] = {
            "dishes": [
                {"name": item.name, "price": money(item.price, item.currency), "category": item.category.slug}
                for item in items[:25]
            ],
            "more": max(0, len(items) - 25),
        }
        if unchecked:
            listing["unchecked_allergens"] = unchecked
            listing["note"] = (
                "our menu data has no allergen code for these, so the dishes were NOT checked for "
                "them: tell the guest to ask our staff"
            )
        return listing

    async def get_item_details(self, args: ItemDetailsArgs) -> dict[str, Any]:
        match = match_dish(args.name, await self.backend.menu())
        if match.item is None:
            return {"error": "no such dish", "did_you_mean": [item.name for item in match.suggestions]}
        item = self.fresh[match.item.id] = await self.backend.item(
            match.item.id
        )  # as they are now, not cached
        return {
            "name": item.name,
            "description": item.description,
            "ingredients": item.ingredients,
            "price": money(item.price, item.currency),
            "allergens": allergen_list(item.allergens) or "none of the 14 major allergens",
            "dietary": item.dietary_tags,
            "available": item.available,
            "sizes": [
                {"name": o.name, "extra": money(o.price_delta, item.currency)}
                for o in item.options_in("size")
            ],
        }

    async def add_to_cart(self, args: AddToCartArgs) -> dict[str, Any]:
        menu = await self.backend.menu()
        item = _exact(args.name, menu)
        if item is None:
            match = match_dish(args.name, menu)
            return {
                "error": "not an exact menu name; nothing added",
                "did_you_mean": [i.name for i in ([match.item] if match.item else match.suggestions)],
            }
        if not item.available:
            return {"error": f"{item.name} is sold out; nothing added"}
        if args.quantity > self.max_quantity:
            return {"error": f"at most {self.max_quantity} of one dish; nothing added"}
        sizes = item.options_in("size")
        option_ids: list[int] = []
        if sizes:
            size = next((o for o in sizes if args.size and o.name.lower() == args.size.strip().lower()), None)
            if size is None:
                return {"error": "choose a size first; nothing added", "sizes": [o.name for o in sizes]}
            option_ids = [size.id]
        cart = await self.open_cart()
        cart = await self.backend.add_line(cart.id, item.id, args.quantity, option_ids)
        self.cart = cart
        label = f"{args.quantity} × {item.name}" + (
            f" ({(args.size or '').strip().lower()})" if option_ids else ""
        )
        self.added.append(label)
        self.amounts += [cart.total, cart.subtotal]
        return {"added": label, "cart_items": cart.item_count, "cart_total": money(cart.total, cart.currency)}

    async def create_order(self, args: CreateOrderArgs) -> dict[str, Any]:
        self.wants_checkout = True
        return {
            "status": "the guest will see the order summary and must confirm it; the order is NOT placed yet"
        }


def _exact(name: str, menu: list[MenuItem]) -> MenuItem | None:
    wanted = " ".join(name.split()).casefold()
    return next((item for item in menu if item.name.casefold() == wanted), None)


class FreeFormHost:
    def __init__(
        self,
        *,
        backend: BackendClient,
        llm: LlmClient,
        prompts: Prompts,
        answerer: Answerer,
        max_rounds: int,
        max_quantity: int,
    ) -> None:
        self.backend = backend
        self.llm = llm
        self.prompts = prompts
        self.answerer = answerer
        self.max_rounds = max_rounds
        self.max_quantity = max_quantity

    async def reply(
        self, message: str, *, conversation_id: str, open_cart: CartOpener, cart: Cart | None = None
    ) -> FreeFormReply:
        message = " ".join(message.split())[:1000]
        if looks_like_injection(message):
            return FreeFormReply(REFUSAL, "refused")
        if not self.llm.online:
            answer = await self.answerer.answer(message, conversation_id=conversation_id)
            return FreeFormReply(answer.text, answer.mode)
        turn = _Turn(self.backend, open_cart, self.max_quantity)
        if cart is not None:
            turn.amounts += [
                cart.subtotal,
                cart.delivery_fee,
                cart.total,
                *(line.line_total for line in cart.lines),
            ]
        documents = (await self.answerer.relevant_documents(message))[:2]
        messages: list[Message] = self.prompts.messages(
            "fallback", documents=documents, message=message, cart=cart_text(cart) if cart else ""
        )
        text, calls = "", 0
        try:
            for _ in range(self.max_rounds):
                completion = await self.llm.complete(
                    messages, tools=tool_specs(), conversation_id=conversation_id
                )
                if not completion.tool_calls:
                    text = completion.text
                    break
                messages.append(completion.assistant_message())
                for call in completion.tool_calls:
                    calls += 1
                    result = await turn.run(call.name, call.arguments)
                    logger.info(
                        "tool call",
                        extra={
                            "conversation_id": conversation_id,
                            "tool": call.name,
                            "ok": "error" not in result,
                        },
                    )
                    messages.append(
                        {
                            "role": "tool",
                            "tool_call_id": call.id,
                            "content": json.dumps(result, default=str, ensure_ascii=False),
                        }
                    )
            else:
                logger.warning(
                    "tool loop hit its bound of %s rounds",
                    self.max_rounds,
                    extra={"conversation_id": conversation_id},
                )
        except LlmUnavailable as reason:
            logger.warning(
                "llm unavailable (%s) in free-form turn",
                reason.reason,
                extra={"conversation_id": conversation_id},
            )
            if not turn.added and not turn.wants_checkout:
                answer = await self.answerer.answer(message, conversation_id=conversation_id)
                return FreeFormReply(answer.text, answer.mode)
        if text:
            restaurant = await self.answerer.restaurant_facts()
            menu = [turn.fresh.get(item.id, item) for item in await self.backend.menu()]
            facts = fact_sheet(
                menu,
                extra_amounts=[*money_amounts(restaurant), *turn.amounts],
                links=[link for doc in documents for link in find_links(doc.text)],
            )
            text = finish(
                text, facts, system_prompt=self.prompts.system_text, conversation_id=conversation_id
            )
        return FreeFormReply(text, "llm", turn.added, turn.cart, turn.wants_checkout, calls)
