from django.urls import path

from . import pages

app_name = "support"
urlpatterns = [
    path("", pages.page, name="page"),
    path("handoffs.json", pages.handoffs_json, name="handoffs-json"),
    path("handoffs/<int:handoff_id>/claim/", pages.claim, name="claim"),
    path("handoffs/<int:handoff_id>/messages/", pages.message, name="message"),
    path("handoffs/<int:handoff_id>/cart/", pages.cart, name="cart"),
    path("handoffs/<int:handoff_id>/hand-back/", pages.hand_back, name="hand-back"),
]
