"""Cart changes. Each one validates first and changes nothing when it is rejected."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F

from apps.common.errors import ApiError
from apps.customers.models import Customer
from apps.menu.models import MenuItem, MenuOption, OptionGroup
from apps.ordering.caps import check_open_carts
from apps.ordering.models import Cart, CartLine, Order
from apps.ordering.pricing import delivery_fee, price_cart
from apps.restaurant.models import get_restaurant
from apps.restaurant.services import normalise_postcode

# The errors a cart change answers with; the request inputs (apps.ordering.inputs) give the same ones.


def invalid_quantity(value: Any) -> ApiError:
    maximum = settings.MAX_LINE_QUANTITY
    return ApiError(
        "invalid_quantity",
        f"Please choose a quantity between 1 and {maximum}.",
        details={"quantity": value, "min": 1, "max": maximum},
    )


def item_required() -> ApiError:
    return ApiError(
        "validation_error", "Please say which dish to add.", details={"item": ["A menu item id is required."]}
    )


def options_not_a_list() -> ApiError:
    return ApiError(
        "validation_error",
        "Options must be a list of option ids.",
        details={"options": ["Expected a list of integers."]},
    )


def fulfilment_required() -> ApiError:
    return ApiError(
        "validation_error",
        "Please choose pickup or delivery.",
        details={"fulfilment": [f"Choose one of {sorted(Order.Fulfilment.values)}."]},
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_quantity(value: Any) -> int:
    if not _is_int(value) or not 1 <= value <= settings.MAX_LINE_QUANTITY:
        raise invalid_quantity(value)
    return value


def lock_open_cart(cart_id: int) -> Cart:
    """The cart, row-locked for the rest of the transaction; must still be open."""
    cart = Cart.objects.select_for_update().filter(pk=cart_id).first()
    if cart is None:
        raise ApiError("cart_not_found", "We couldn't find that cart.", 404, {"cart": cart_id})
    if cart.status != Cart.Status.OPEN:
        raise ApiError(
            "cart_closed",
            "This cart has already been ordered; please start a new one.",
            409,
            {"cart": cart.pk, "status": cart.status},
        )
    return cart


def check_orderable(item: MenuItem, quantity: int) -> None:
    if not item.is_available:
        raise ApiError(
            "item_unavailable",
            f"Sorry, {item.name} isn't available right now.",
            409,
            {"item": item.pk},
        )
    if item.stock is not None and item.stock < quantity:
        message = (
            f"Sorry, {item.name} is sold out."
            if item.stock == 0
            else f"Sorry, we only have {item.stock} {item.name} left."
        )
        raise ApiError("out_of_stock", message, 409, {"item": item.pk, "available": item.stock})


def resolve_options(item: MenuItem, option_ids: list[int] | None) -> list[MenuOption]:
    if option_ids is None:
        return []
    if not isinstance(option_ids, list) or not all(_is_int(i) for i in option_ids):
        raise options_not_a_list()  # a caller that passed unchecked input (the API checks it first)
    offered = {o.pk: o for o in item.options.all()}
    unknown = [i for i in option_ids if i not in offered]
    if unknown or len(set(option_ids)) != len(option_ids):
        raise ApiError(
            "invalid_option",
            f"{item.name} doesn't come with that option.",
            details={"item": item.pk, "options": unknown or option_ids, "offered": sorted(offered)},
        )
    chosen = [offered[i] for i in option_ids]
    if sum(1 for o in chosen if o.group == OptionGroup.SIZE) > 1:
        raise ApiError(
            "invalid_option", "Please pick just one size.", details={"item": item.pk, "options": option_ids}
        )
    return chosen


def _touch(cart: Cart) -> Cart:
    """Count a change of the cart; the caller answers with the cart (apps.ordering.serializers.cart_data
    reads its new version)."""
    Cart.objects.filter(pk=cart.pk).update(version=F("version") + 1)
    return cart


def create_cart(customer: Customer | None, channel: str, conversation_id: str) -> Cart:
    check_open_carts(conversation_id, customer)
    return Cart.objects.create(
        customer=customer,
        channel=channel,
        conversation_id=conversation_id,
        currency=get_restaurant().currency,
    )


def add_item(cart_id: int, item_id: int, quantity: int, option_ids: list[int] | None) -> Cart:
    """Add a dish (merged into a line with the same options); the values are checked again here for
    callers that pass unchecked input."""
    if not _is_int(item_id):
        raise item_required()
    validate_quantity(quantity)
    with transaction.atomic():
        cart = lock_open_cart(cart_id)
        item = MenuItem.objects.filter(pk=item_id).first()
        if item is None:
            raise ApiError("unknown_item", "Sorry, we don't have that dish.", 400, {"item": item_id})
        options = resolve_options(item, option_ids)
        key = ",".join(str(o.pk) for o in sorted(options, key=lambda o: o.pk))
        line = CartLine.objects.filter(cart=cart, item=item, options_key=key).first()
        merged = quantity + (line.quantity if line else 0)
        validate_quantity(merged)
        check_orderable(item, merged)
        if line:
            line.quantity = merged
            line.save(update_fields=["quantity"])
        else:
            line = CartLine.objects.create(cart=cart, item=item, quantity=quantity, options_key=key)
            line.options.set(options)
        return _touch(cart)


def _lock_line(cart_id: int, line_id: int) -> tuple[Cart, CartLine]:
    cart = lock_open_cart(cart_id)
    line = CartLine.objects.select_related("item").filter(cart=cart, pk=line_id).first()
    if line is None:
        raise ApiError("line_not_found", "That item isn't in the cart.", 404, {"line": line_id})
    return cart, line


def change_quantity(cart_id: int, line_id: int, quantity: int) -> Cart:
    with transaction.atomic():
        cart, line = _lock_line(cart_id, line_id)
        validate_quantity(quantity)
        if quantity > line.quantity:  # lowering a quantity is always allowed
            check_orderable(line.item, quantity)
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        return _touch(cart)


def remove_line(cart_id: int, line_id: int) -> Cart:
    with transaction.atomic():
        cart, line = _lock_line(cart_id, line_id)
        line.delete()
        return _touch(cart)


def clear_cart(cart_id: int) -> Cart:
    with transaction.atomic():
        cart = lock_open_cart(cart_id)
        cart.lines.all().delete()
        return _touch(cart)


def set_fulfilment(cart_id: int, fulfilment: str, postcode: str | None) -> Cart:
    """Record pickup or delivery (with a postcode inside a zone) so the cart shows its real total."""
    if fulfilment not in Order.Fulfilment.values:
        raise fulfilment_required()
    postcode = normalise_postcode(str(postcode or "")) if fulfilment == Order.Fulfilment.DELIVERY else ""
    with transaction.atomic():
        cart = lock_open_cart(cart_id)
        delivery_fee(get_restaurant(), fulfilment, postcode, price_cart(cart).subtotal)
        Cart.objects.filter(pk=cart.pk).update(fulfilment=fulfilment, postcode=postcode)
        return _touch(cart)
