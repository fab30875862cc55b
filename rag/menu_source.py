"""Menu items from the backend's public REST API (docs/backend-api.md), turned into chunks."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Optional

import httpx

from rag.documents import Chunk


class MenuSource:
    """Reads the menu over HTTP. Pass your own httpx.Client to share connections or set auth."""

    def __init__(self, base_url: str, *, token: Optional[str] = None, client: Optional[httpx.Client] = None,
                 timeout: float = 10.0) -> None:
        headers = {"Authorization": f"Token {token}"} if token else {}
        self._client = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout, headers=headers)

    def close(self) -> None:
        self._client.close()

    def version(self) -> str:
        response = self._client.get("/api/menu/version/")
        response.raise_for_status()
        return str(response.json()["version"])

    def items(self) -> list[dict[str, Any]]:
        """Every item, available or not, following pagination."""
        items: list[dict[str, Any]] = []
        url: Optional[str] = "/api/menu/items/"
        params: Optional[dict[str, Any]] = {"page_size": 200}
        while url:
            response = self._client.get(url, params=params)
            response.raise_for_status()
            page = response.json()
            items.extend(page["results"])
            url, params = page.get("next"), None  # `next` already carries the query
        return items

    def item(self, item_id: int) -> Optional[dict[str, Any]]:
        """One item, or None when the backend no longer has it (deleted)."""
        response = self._client.get(f"/api/menu/items/{int(item_id)}/")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()


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
    lines.append(f"Allergens: {_words(item['allergens'])}." if item.get("allergens") else "Allergens: none of the 14 major allergens.")
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
            "options": [{"id": o.get("id"), "group": o.get("group"), "name": o.get("name"),
                         "price_delta": o.get("price_delta")} for o in options],
            "updated_at": item.get("updated_at"),
        },
    )
