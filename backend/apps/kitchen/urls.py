from django.urls import path

from . import views

app_name = "kitchen"
urlpatterns = [
    path("", views.page, name="page"),
    path("orders.json", views.orders_json, name="orders-json"),
    path("orders/<int:order_id>/status/", views.change_status, name="change-status"),
]
