"""The terminal chat's settings (the same names as the services', pydantic-settings as theirs)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ChatSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    rasa_port: str = Field("5005", alias="RASA_PORT")
    actions_port: str = Field("5055", alias="ACTIONS_PORT")
    rasa_url: str = Field("", alias="RASA_URL")  # empty: http://127.0.0.1:$RASA_PORT
    chat_stream_url: str = Field("", alias="CHAT_STREAM_URL")  # empty: http://127.0.0.1:$ACTIONS_PORT
    no_color: str = Field("", alias="NO_COLOR")  # https://no-color.org: any non-empty value

    def rasa(self) -> str:
        return self.rasa_url or f"http://127.0.0.1:{self.rasa_port}"

    def stream(self) -> str:
        return self.chat_stream_url or f"http://127.0.0.1:{self.actions_port}"
