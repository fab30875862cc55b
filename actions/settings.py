"""Action-server configuration, read once from environment variables (see the README table)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service_common.values import parse_log_level, parse_origins


class ActionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    backend_url: str = Field("http://127.0.0.1:8000", alias="BACKEND_URL")
    # Where browsers reach the backend (menu images in chat cards); defaults to BACKEND_URL.
    backend_public_url: str = Field("", alias="BACKEND_PUBLIC_URL")
    backend_service_token: str = Field("dev-service-token", alias="BACKEND_SERVICE_TOKEN", repr=False)
    backend_timeout_seconds: float = Field(5.0, alias="BACKEND_TIMEOUT_SECONDS")
    menu_cache_seconds: float = Field(30.0, alias="MENU_CACHE_SECONDS")
    # Intents that change the cart or the order act only above this confidence; below it the
    # assistant asks a clarifying question first.
    transactional_confidence_threshold: float = Field(0.95, alias="TRANSACTIONAL_CONFIDENCE_THRESHOLD")
    fuzzy_match_threshold: float = Field(80.0, alias="FUZZY_MATCH_THRESHOLD")
    max_quantity: int = Field(20, alias="MAX_QUANTITY")
    log_level: str = Field("INFO", alias="LOG_LEVEL")
    # Rasa sends it with every action call (endpoints.yml); empty = every call to /webhook refused.
    action_server_token: str = Field("", alias="ACTION_SERVER_TOKEN", repr=False)
    # Shared with the backend, which signs its outgoing webhooks (Standard Webhooks, "whsec_...").
    webhook_secret: str = Field("", alias="WEBHOOK_SECRET", repr=False)
    # Where `python -m actions.server` listens (SANIC_HOST is rasa-sdk's own name for it).
    host: str = Field("127.0.0.1", alias="SANIC_HOST")
    port: int = Field(5055, alias="ACTIONS_PORT")
    rag_sync_on_start: bool = Field(True, alias="RAG_SYNC_ON_START")
    # A/B experiments (experiments.yml; re-read when it changes, no restart needed)
    experiments_file: str = Field(
        str(Path(__file__).resolve().parent.parent / "experiments.yml"), alias="EXPERIMENTS_FILE"
    )
    # Errors go to Sentry when set (a secret: environment only), and nowhere when not.
    sentry_dsn: str = Field("", alias="SENTRY_DSN", repr=False)
    # Sites whose pages may read /stream/<message id> (CORS); comma or space separated.
    chat_allowed_origins: str = Field(
        "http://127.0.0.1:8000,http://localhost:8000", alias="CHAT_ALLOWED_ORIGINS"
    )
    # Retrieved passages scoring below this (cosine, MiniLM) count as "nothing relevant": the guest
    # gets the fixed "I don't know, here is how to reach the staff" reply and no LLM call is made.
    answer_min_score: float = Field(0.40, alias="ANSWER_MIN_SCORE")
    recommendation_count: int = Field(3, alias="RECOMMENDATION_COUNT")

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level(cls, value: object) -> str:
        return parse_log_level(None if value is None else str(value))

    def allowed_origins(self) -> list[str]:
        return parse_origins(self.chat_allowed_origins)


@lru_cache(maxsize=1)
def get_settings() -> ActionSettings:
    return ActionSettings()
