from django.urls import path

from . import views

app_name = "review"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("filters/", views.save_filter, name="save-filter"),
    path("c/<path:sender_id>/act/", views.conversation_action, name="act"),
    path("c/<path:sender_id>/delete/", views.delete_conversation, name="delete"),
    path("c/<path:sender_id>/", views.conversation, name="conversation"),
    path("nlu/", views.nlu_inbox, name="nlu"),
    path("nlu/decide/", views.nlu_decide, name="nlu-decide"),
    path("export/", views.export, name="export"),
    path("audit/", views.audit_log, name="audit"),
]
