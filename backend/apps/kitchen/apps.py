from django.apps import AppConfig


class KitchenConfig(AppConfig):
    name = "apps.kitchen"
    label = "kitchen"
    default_auto_field = "django.db.models.BigAutoField"
