from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.auth import is_service_or_staff
from apps.common.errors import ApiError
from apps.customers.models import resolve_customer
from apps.ordering import carts
from apps.ordering.inputs import (
    AddItemSerializer,
    CartCreateSerializer,
    FulfilmentSerializer,
    OrderCreateSerializer,
    QuantitySerializer,
    ReorderSerializer,
    StatusSerializer,
    validated,
)
from apps.ordering.models import Cart, Order
from apps.ordering.orders import OrderRequest, place_order, set_status
from apps.ordering.reorder import reorder
from apps.ordering.serializers import cart_data, order_data

CART = OpenApiResponse(description="The cart, with lines, totals and version")
ORDER = OpenApiResponse(description="The order")


def _cart(cart_id: int) -> Cart:
    cart = Cart.objects.select_related("customer").filter(pk=cart_id).first()
    if cart is None:
        raise ApiError("cart_not_found", "We couldn't find that cart.", 404, {"cart": cart_id})
    return cart


class CartCreateView(APIView):
    @extend_schema(request=CartCreateSerializer, responses={201: CART})
    def post(self, request: Request) -> Response:
        data = validated(CartCreateSerializer, request)
        cart = carts.create_cart(resolve_customer(data["customer"]), data["channel"], data["conversation_id"])
        return Response(cart_data(cart), status=status.HTTP_201_CREATED)


class CartDetailView(APIView):
    @extend_schema(responses={200: CART})
    def get(self, request: Request, cart_id: int) -> Response:
        return Response(cart_data(_cart(cart_id)))

    @extend_schema(request=FulfilmentSerializer, responses={200: CART})
    def patch(self, request: Request, cart_id: int) -> Response:
        data = validated(FulfilmentSerializer, request)
        return Response(cart_data(carts.set_fulfilment(cart_id, data["fulfilment"], data["postcode"])))


class CartItemsView(APIView):
    @extend_schema(request=AddItemSerializer, responses={201: CART})
    def post(self, request: Request, cart_id: int) -> Response:
        data = validated(AddItemSerializer, request)
        cart = carts.add_item(cart_id, data["item"], data["quantity"], data["options"])
        return Response(cart_data(cart), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: CART}, operation_id="carts_items_clear")
    def delete(self, request: Request, cart_id: int) -> Response:
        return Response(cart_data(carts.clear_cart(cart_id)))


class CartReorderView(APIView):
    @extend_schema(request=ReorderSerializer, responses={200: CART})
    def post(self, request: Request, cart_id: int) -> Response:
        """Add a past order's dishes at today's prices: the last one, or the guest's usual."""
        data = validated(ReorderSerializer, request)
        result = reorder(cart_id, resolve_customer(data["customer"]), data["which"])
        return Response({**cart_data(_cart(cart_id)), "reorder": result.data()})


class CartLineView(APIView):
    @extend_schema(request=QuantitySerializer, responses={200: CART})
    def patch(self, request: Request, cart_id: int, line_id: int) -> Response:
        data = validated(QuantitySerializer, request)
        return Response(cart_data(carts.change_quantity(cart_id, line_id, data["quantity"])))

    @extend_schema(request=None, responses={200: CART})
    def delete(self, request: Request, cart_id: int, line_id: int) -> Response:
        return Response(cart_data(carts.remove_line(cart_id, line_id)))


def _orders() -> QuerySet[Order]:
    return Order.objects.select_related("customer", "payment").prefetch_related("lines")


class OrderCreateView(APIView):
    @extend_schema(
        request=OrderCreateSerializer,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=True)],
        responses={201: ORDER, 200: OpenApiResponse(description="Replay of the same key")},
    )
    def post(self, request: Request) -> Response:
        key = (request.headers.get("Idempotency-Key") or "").strip()
        if not key or len(key) > 200:
            raise ApiError(
                "idempotency_key_required", "An Idempotency-Key header (1-200 characters) is required.", 400
            )
        data = validated(OrderCreateSerializer, request)
        placed = place_order(
            OrderRequest(
                cart_id=data["cart"],
                fulfilment=data["fulfilment"],
                postcode=data["postcode"] or None,
                requested_time=data["requested_time"],
                payment_method=data["payment_method"],
                customer=resolve_customer(data["customer"]),
                conversation_id=data["conversation_id"],
                expected_total=data["expected_total"],
            ),
            key,
        )
        order = _orders().get(pk=placed.order.pk)
        return Response(
            order_data(order), status=status.HTTP_201_CREATED if placed.created else status.HTTP_200_OK
        )


def _get_order(**lookup: Any) -> Order:
    order = _orders().filter(**lookup).first()
    if order is None:
        raise ApiError("order_not_found", "We couldn't find that order.", 404, lookup)
    return order


class OrderDetailView(APIView):
    @extend_schema(responses={200: ORDER})
    def get(self, request: Request, order_id: int) -> Response:
        return Response(order_data(_get_order(pk=order_id)))


class OrderByNumberView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("conversation_id", str, description="Asking on behalf of this conversation"),
            OpenApiParameter("customer", str, description="...or of this signed-in customer"),
        ],
        responses={200: ORDER},
    )
    def get(self, request: Request, number: str) -> Response:
        """An order by its number. Asked on behalf of a guest (`conversation_id` and/or `customer`, which
        the service token must send), only the conversation that placed it or the customer who owns it
        gets it; anyone else gets the same 404 as for a number that doesn't exist (no enumeration).
        Signed-in staff get any order."""
        conversation = (request.query_params.get("conversation_id") or "").strip()
        customer = (request.query_params.get("customer") or "").strip()
        # Staff (the kitchen, the admin) may look any order up; the service token speaks for guests
        # only, so it must say for whom, and a bare lookup is refused rather than answered for anyone.
        on_behalf = not getattr(request.user, "is_staff", False)
        if on_behalf and not (conversation or customer):
            raise ApiError("scope_required", "Say whose order this is: conversation_id or customer.", 400)
        order = _orders().filter(number=number).first()
        if (
            order is not None
            and on_behalf
            and not (
                (conversation and order.conversation_id == conversation)
                or (customer and order.customer is not None and order.customer.public_id == customer)
            )
        ):
            order = None
        if order is None:
            raise ApiError("order_not_found", "We couldn't find that order.", 404, {"number": number})
        return Response(order_data(order))


class OrderCancelView(APIView):
    @extend_schema(request=None, responses={200: ORDER})
    def post(self, request: Request, order_id: int) -> Response:
        order = set_status(order_id, Order.Status.CANCELLED, actor="guest", enforce_window=True)
        return Response(order_data(_get_order(pk=order.pk)))


class OrderStatusView(APIView):
    @extend_schema(request=StatusSerializer, responses={200: ORDER})
    def post(self, request: Request, order_id: int) -> Response:
        data = validated(StatusSerializer, request)
        staff = bool(getattr(request.user, "is_staff", False))
        order = set_status(
            order_id,
            data["status"],
            actor=str(request.user) if is_service_or_staff(request.user) else "unknown",
            enforce_window=not staff,
        )
        return Response(order_data(_get_order(pk=order.pk)))
