from django.apps import AppConfig


class RestaurantConfig(AppConfig):
    name = "apps.restaurant"
    label = "restaurant"
    default_auto_field = "django.db.models.BigAutoField"
