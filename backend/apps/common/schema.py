from typing import Any


def drop_v1_alias(endpoints: list[tuple[Any, ...]], **kwargs: Any) -> list[tuple[Any, ...]]:
    """/api/v1/ is an alias of /api/; document each operation once."""
    return [e for e in endpoints if not e[0].startswith("/api/v1/")]


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class ServiceTokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.common.auth.ServiceTokenAuthentication"
    name = "ServiceToken"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <BACKEND_SERVICE_TOKEN>`",
        }
