"""LLM settings, read from environment variables (documented in the README table)."""
from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Optional

import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


class LlmConfig(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    # No key → offline mode: the same actions answer from templates, with no network call.
    api_key: Optional[SecretStr] = Field(None, alias="GROQ_API_KEY")
    # None lets the SDK read GROQ_BASE_URL itself (and default to https://api.groq.com).
    base_url: Optional[str] = Field(None, alias="GROQ_BASE_URL")
    model: str = Field("openai/gpt-oss-120b", alias="LLM_MODEL")
    fast_model: str = Field("openai/gpt-oss-20b", alias="LLM_FAST_MODEL")
    reasoning_effort: str = Field("low", alias="LLM_REASONING_EFFORT")
    timeout_seconds: float = Field(8.0, alias="LLM_TIMEOUT_SECONDS")
    max_retries: int = Field(2, alias="LLM_MAX_RETRIES")
    # A 429 asking us to wait longer than this is not retried: the guest gets the offline answer now.
    max_retry_wait_seconds: float = Field(4.0, alias="LLM_MAX_RETRY_WAIT_SECONDS")
    requests_per_minute: int = Field(30, alias="LLM_REQUESTS_PER_MINUTE")
    tokens_per_minute: int = Field(8000, alias="LLM_TOKENS_PER_MINUTE")
    # How long a turn may wait for the rate limiter before answering offline instead.
    rate_limit_wait_seconds: float = Field(2.0, alias="LLM_RATE_LIMIT_WAIT_SECONDS")
    breaker_failures: int = Field(3, alias="LLM_BREAKER_FAILURES")
    breaker_reset_seconds: float = Field(30.0, alias="LLM_BREAKER_RESET_SECONDS")
    cache_ttl_seconds: float = Field(3600.0, alias="LLM_CACHE_TTL_SECONDS")
    cache_size: int = Field(512, alias="LLM_CACHE_SIZE")
    prompt_token_budget: int = Field(1200, alias="LLM_PROMPT_TOKEN_BUDGET")
    max_completion_tokens: int = Field(350, alias="LLM_MAX_COMPLETION_TOKENS")
    max_tool_rounds: int = Field(3, alias="LLM_MAX_TOOL_ROUNDS")
    models_file: Path = Field(PACKAGE_DIR / "models.yml", alias="LLM_MODELS_FILE")
    # Daily spend limit in US dollars at list prices (0 = none). From LLM_BUDGET_SLOWDOWN of it on,
    # every call uses the fast model; at the limit the assistant answers offline until tomorrow (UTC).
    daily_budget_usd: Decimal = Field(Decimal("2.00"), alias="LLM_DAILY_BUDGET_USD")
    budget_slowdown: float = Field(0.8, alias="LLM_BUDGET_SLOWDOWN")
    spend_file: Optional[Path] = Field(PACKAGE_DIR.parent / "var" / "llm_spend.json", alias="LLM_SPEND_FILE")

    @property
    def online(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())

    def prices(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Model → (USD per input token, USD per output token), from the price table file."""
        table = yaml.safe_load(self.models_file.read_text(encoding="utf-8"))["models"]
        million = Decimal(1_000_000)
        return {
            name: (Decimal(str(spec["input_per_million"])) / million, Decimal(str(spec["output_per_million"])) / million)
            for name, spec in table.items()
        }
