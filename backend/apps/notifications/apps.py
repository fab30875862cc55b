from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.notifications import receivers
        from apps.ordering.signals import order_status_changed

        order_status_changed.connect(
            receivers.order_status_changed, dispatch_uid="notifications.order_status_changed"
        )
