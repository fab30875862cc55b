from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal | int | str) -> str:
    """Decimal string with two places, as the API shows money."""
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))
