from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "apps.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.ordering.signals import order_status_changed
        from apps.webhooks import receivers

        order_status_changed.connect(
            receivers.order_status_changed, dispatch_uid="webhooks.order_status_changed"
        )
