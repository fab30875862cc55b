"""The channels' settings (README configuration table), read from the environment.

The Rasa environment pins pydantic 1 (Rasa 3.6: pydantic<1.10.10), which has no pydantic-settings
package: its own `BaseSettings` is the same idiom. Under pydantic 2 (the tests import the channels'
helpers from `.venv` too) the same class comes from `pydantic.v1`. Read afresh by each `from_env`
(once per channel or process), so a changed environment is seen by the next one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # mypy checks channels against .venv-rasa (scripts/static_checks.sh): pydantic 1
    from pydantic import BaseSettings, Field, validator
    from pydantic.typing import ReprArgs
else:
    try:  # pydantic 2 (.venv)
        from pydantic.v1 import BaseSettings, Field, validator
    except ImportError:  # pydantic 1 (.venv-rasa)
        from pydantic import BaseSettings, Field, validator

from service_common.values import parse_log_level


class ChannelSettings(BaseSettings):
    chat_max_message_chars: str = Field(default="", env="CHAT_MAX_MESSAGE_CHARS")
    chat_rate_limit_per_conversation: str = Field(default="", env="CHAT_RATE_LIMIT_PER_CONVERSATION")
    chat_rate_limit_per_ip: str = Field(default="", env="CHAT_RATE_LIMIT_PER_IP")
    chat_poll_rate_limit_per_conversation: str = Field(
        default="", env="CHAT_POLL_RATE_LIMIT_PER_CONVERSATION"
    )
    chat_poll_rate_limit_per_ip: str = Field(default="", env="CHAT_POLL_RATE_LIMIT_PER_IP")
    # several Rasa servers: rate counts, "told once" notes and socket.io rooms in Redis
    chat_redis_url: str = Field(default="", env="CHAT_REDIS_URL")
    chat_jwt_secret: str = Field(default="", env="CHAT_JWT_SECRET")
    chat_allowed_origins: str | None = Field(default=None, env="CHAT_ALLOWED_ORIGINS")
    log_level: str = Field(
        default="INFO", env="LOG_LEVEL"
    )  # the Rasa server's JSON logs (channels/server_logging.py)

    class Config:
        case_sensitive = True

    @validator(
        "chat_max_message_chars",
        "chat_rate_limit_per_conversation",
        "chat_rate_limit_per_ip",
        "chat_poll_rate_limit_per_conversation",
        "chat_poll_rate_limit_per_ip",
        "chat_redis_url",
        pre=True,
    )
    def _strip(cls, value: object) -> str:
        return str(value or "").strip()

    @validator("log_level", pre=True)
    def _log_level(cls, value: object) -> str:
        return parse_log_level(None if value is None else str(value))

    def __repr_args__(self) -> ReprArgs:
        return [
            (key, "***" if key == "chat_jwt_secret" and value else value)
            for key, value in super().__repr_args__()
        ]
