from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.common import metrics, schema  # noqa: F401  (schema registers the OpenAPI auth extension)
        from apps.ordering.models import Order
        from apps.ordering.signals import order_status_changed
        from apps.payments.models import Payment

        order_status_changed.connect(metrics.count_status_change, dispatch_uid="metrics.count_status_change")
        metrics.initialise_labels(
            fulfilments=Order.Fulfilment.values,
            statuses=Order.Status.values,
            payment_methods=Payment.Method.values,
            payment_outcomes=(
                Payment.Status.SUCCEEDED,
                Payment.Status.FAILED,
                Payment.Status.REFUNDED,
                Payment.Status.CANCELLED,
            ),
        )
