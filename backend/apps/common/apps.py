from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "apps.common"
    label = "common"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from apps.common import metrics, schema  # noqa: F401  (schema registers the OpenAPI auth extension)

        metrics.initialise_labels()
