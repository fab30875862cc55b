from django.urls import path

from apps.chat import views

app_name = "chat"

urlpatterns = [
    path("", views.chat_page, name="page"),
    path("embed/", views.embed_demo, name="embed-demo"),
    path("webchat/", views.webchat_page, name="webchat"),
    path("token/", views.chat_token, name="token"),
]
