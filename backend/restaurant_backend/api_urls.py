"""The versioned REST API (mounted at /api/ and /api/v1/)."""

from django.urls import path

from apps.menu import views as menu
from apps.ordering import views as ordering
from apps.payments.views import PaymentWebhookView
from apps.restaurant.views import RestaurantView
from apps.support.views import HandoffCreateView

urlpatterns = [
    path("menu/categories/", menu.CategoryList.as_view(), name="menu-categories"),
    path("menu/items/", menu.MenuItemList.as_view(), name="menu-items"),
    path("menu/items/<int:pk>/", menu.MenuItemDetail.as_view(), name="menu-item"),
    path("menu/specials/", menu.SpecialsList.as_view(), name="menu-specials"),
    path("menu/version/", menu.MenuVersionView.as_view(), name="menu-version"),
    path("restaurant/", RestaurantView.as_view(), name="restaurant"),
    path("carts/", ordering.CartCreateView.as_view(), name="carts"),
    path("carts/<int:cart_id>/", ordering.CartDetailView.as_view(), name="cart"),
    path("carts/<int:cart_id>/items/", ordering.CartItemsView.as_view(), name="cart-items"),
    path("carts/<int:cart_id>/reorder/", ordering.CartReorderView.as_view(), name="cart-reorder"),
    path("carts/<int:cart_id>/items/<int:line_id>/", ordering.CartLineView.as_view(), name="cart-line"),
    path("orders/", ordering.OrderCreateView.as_view(), name="orders"),
    path("orders/<int:order_id>/", ordering.OrderDetailView.as_view(), name="order"),
    path("orders/by-number/<str:number>/", ordering.OrderByNumberView.as_view(), name="order-by-number"),
    path("orders/<int:order_id>/cancel/", ordering.OrderCancelView.as_view(), name="order-cancel"),
    path("orders/<int:order_id>/status/", ordering.OrderStatusView.as_view(), name="order-status"),
    path("payments/webhook/<str:provider>/", PaymentWebhookView.as_view(), name="payment-webhook"),
    path("handoffs/", HandoffCreateView.as_view(), name="handoffs"),
]
