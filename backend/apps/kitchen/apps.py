from django.apps import AppConfig


class KitchenConfig(AppConfig):
    name = "apps.kitchen"
    label = "kitchen"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.kitchen import receivers
        from apps.ordering.signals import order_status_changed

        order_status_changed.connect(
            receivers.order_status_changed, dispatch_uid="kitchen.order_status_changed"
        )
