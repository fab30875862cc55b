"""The backend facts an LLM text is checked against, and what the check reports.

Plain dataclasses handed in by the caller (`DishFacts.from_item` reads a backend menu item); the
codes are the shared vocabulary's (`vocabulary`), so a typo cannot make a dish look allergen-free.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from vocabulary import ALLERGEN_CODES

CorrectionKind = Literal["price", "allergen", "dietary", "free_offer", "link", "leak"]


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise ValueError(f"not an amount: {value!r}") from error


def _get(source: Any, key: str, default: Any = None) -> Any:
    if isinstance(source, dict):
        return source.get(key, default)
    return getattr(source, key, default)


@dataclass(frozen=True)
class DishFacts:
    """What the backend knows about one dish. Allergens are the 14 EU codes (required: no default)."""

    name: str
    price: Decimal
    allergens: frozenset[str]
    dietary_tags: frozenset[str] = frozenset()
    currency: str = "EUR"
    option_deltas: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "price", _decimal(self.price))
        object.__setattr__(self, "allergens", frozenset(self.allergens))
        object.__setattr__(self, "dietary_tags", frozenset(self.dietary_tags))
        object.__setattr__(self, "option_deltas", tuple(_decimal(delta) for delta in self.option_deltas))
        unknown = self.allergens - set(ALLERGEN_CODES)
        if unknown:  # a typo here would make the guard believe a dish is free of an allergen
            raise ValueError(f"{self.name}: unknown allergen codes {sorted(unknown)}")

    @classmethod
    def from_item(cls, item: Any) -> DishFacts:
        """Build from a backend menu item (actions.backend_client.MenuItem, any object, or a dict as the
        API sends it); options that cost nothing extra add no amount."""
        options = _get(item, "options", None) or []
        deltas = (_decimal(_get(option, "price_delta")) for option in options)
        return cls(
            name=str(_get(item, "name")),
            price=_decimal(_get(item, "price")),
            allergens=frozenset(_get(item, "allergens", None) or ()),
            dietary_tags=frozenset(_get(item, "dietary_tags", None) or ()),
            currency=str(_get(item, "currency", None) or "EUR"),
            option_deltas=tuple(delta for delta in deltas if delta),
        )

    def allowed_amounts(self) -> set[Decimal]:
        """The base price, each non-zero option delta, and price + delta."""
        amounts = {self.price}
        for delta in self.option_deltas:
            if delta:
                amounts.update({delta, self.price + delta})
        return {to_cents(amount) for amount in amounts}


@dataclass(frozen=True)
class FactSheet:
    """Everything the LLM was allowed to say about money and food in one answer."""

    dishes: tuple[DishFacts, ...]
    extra_amounts: tuple[Decimal, ...] = ()
    currency: str = "EUR"
    subject: DishFacts | None = None
    links: tuple[str, ...] = ()  # web/e-mail addresses the backend handed the model; no other may be shown

    def __post_init__(self) -> None:
        object.__setattr__(self, "dishes", tuple(self.dishes))
        object.__setattr__(self, "extra_amounts", tuple(_decimal(amount) for amount in self.extra_amounts))
        object.__setattr__(self, "links", tuple(str(link) for link in self.links))

    def all_dishes(self) -> tuple[DishFacts, ...]:
        if self.subject is not None and self.subject not in self.dishes:
            return self.dishes + (self.subject,)
        return self.dishes

    def allowed(self) -> set[tuple[str, Decimal]]:
        """(currency, amount) pairs that may appear in the text."""
        pairs = {(self.currency, to_cents(amount)) for amount in self.extra_amounts}
        for dish in self.all_dishes():
            pairs.update((dish.currency, amount) for amount in dish.allowed_amounts())
        return pairs


@dataclass
class Correction:
    """One change made to the text: `replacement` is None when the sentence was removed."""

    kind: CorrectionKind
    original: str
    replacement: str | None


@dataclass
class Checked:
    """The text the guest may read, and what was changed to get there."""

    text: str
    corrections: list[Correction] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.corrections)


def to_cents(amount: Decimal) -> Decimal:
    return Decimal(amount).quantize(Decimal("0.01"))
