"""Menu items from the backend's REST API (docs/backend-api.md), read with the assistant's backend client
(actions/backend_client.py, which imports no Rasa), turned into chunks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TypeVar

from actions.backend_client import BackendClient
from rag.documents import Chunk

T = TypeVar("T")
ClientFactory = Callable[[], BackendClient]


class MenuSource:
    """Reads the menu through the assistant's backend client (actions/backend_client.py), synchronously.

    The index is synced from worker threads and the CLI, where no event loop runs: each call runs the
    async client with asyncio.run. An httpx.AsyncClient belongs to the loop it first ran on, so every
    call gets a client of its own from `client_factory` (inject one to share settings or a transport)
    and closes it; none is built before the first call."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        client_factory: ClientFactory | None = None,
    ) -> None:
        self._client_factory = client_factory or (
            lambda: BackendClient(base_url, token, timeout_seconds=timeout)
        )

    def close(self) -> None:
        """Nothing to release: no client outlives a call."""

    def _run(self, call: Callable[[BackendClient], Awaitable[T]]) -> T:
        async def once() -> T:
            client = self._client_factory()
            try:
                return await call(client)
            finally:
                await client.aclose()

        return asyncio.run(once())

    def version(self) -> str:
        return self._run(lambda client: client.menu_version())

    def items(self) -> list[dict[str, Any]]:
        """Every item, available or not, following pagination."""
        return self._run(lambda client: client.menu_records())

    def item(self, item_id: int) -> dict[str, Any] | None:
        """One item, or None when the backend no longer has it (deleted)."""
        return self._run(lambda client: client.item_record(item_id))


def _words(values: Iterable[str]) -> str:
    return ", ".join(value.replace("_", " ") for value in values)


def item_to_chunk(item: dict[str, Any]) -> Chunk:
    """The embedded text describes the dish; price, stock and availability live in the payload only,
    so an order that changes stock (or a price change) rewrites the payload without re-embedding."""
    category = item.get("category") or {}
    lines = [f"{item['name']} ({category.get('name', 'Menu')})"]
    if item.get("description"):
        lines.append(item["description"])
    if item.get("ingredients"):
        lines.append(f"Ingredients: {', '.join(item['ingredients'])}.")
    lines.append(
        f"Allergens: {_words(item['allergens'])}."
        if item.get("allergens")
        else "Allergens: none of the 14 major allergens."
    )
    if item.get("dietary_tags"):
        lines.append(f"Dietary: {_words(item['dietary_tags'])}.")
    if item.get("mood_tags"):
        lines.append(f"Mood: {_words(item['mood_tags'])}.")
    spice = int(item.get("spice_level") or 0)
    if spice:
        lines.append(f"Spice level {spice} of 3.")
    options = item.get("options") or []
    sizes = [o["name"] for o in options if o.get("group") == "size"]
    extras = [o["name"] for o in options if o.get("group") == "extra"]
    if sizes:
        lines.append(f"Sizes: {', '.join(sizes)}.")
    if extras:
        lines.append(f"Extras: {', '.join(extras)}.")
    image = item.get("image") or {}
    if image.get("alt"):
        lines.append(f"Photo: {image['alt']}.")
    if item.get("is_special"):
        lines.append("Special of the day.")
    return Chunk(
        kind="menu_item",
        source_key=str(item["id"]),
        title=item["name"],
        text="\n".join(lines),
        category=category.get("slug"),
        item_id=int(item["id"]),
        dietary_tags=list(item.get("dietary_tags") or []),
        allergens=list(item.get("allergens") or []),
        available=bool(item.get("available")),
        price=float(item["price"]) if item.get("price") is not None else None,
        extra={
            "slug": item.get("slug"),
            "currency": item.get("currency"),
            "mood_tags": sorted(item.get("mood_tags") or []),
            "spice_level": spice,
            "stock": item.get("stock"),
            "is_special": bool(item.get("is_special")),
            "image": {"url": image.get("url"), "alt": image.get("alt")},
            "options": [
                {
                    "id": o.get("id"),
                    "group": o.get("group"),
                    "name": o.get("name"),
                    "price_delta": o.get("price_delta"),
                }
                for o in options
            ],
            "updated_at": item.get("updated_at"),
        },
    )
