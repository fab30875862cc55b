"""LLM settings, read from environment variables (documented in the README table)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


class LlmConfig(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", populate_by_name=True)

    # No key → offline mode: the same actions answer from templates, with no network call.
    api_key: SecretStr | None = Field(None, alias="GROQ_API_KEY")
    # None lets the SDK read GROQ_BASE_URL itself (and default to https://api.groq.com).
    base_url: str | None = Field(None, alias="GROQ_BASE_URL")
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
    spend_file: Path | None = Field(PACKAGE_DIR.parent / "var" / "llm_spend.json", alias="LLM_SPEND_FILE")

    @property
    def online(self) -> bool:
        return self.api_key is not None and bool(self.api_key.get_secret_value())

    def unpriced_models(self) -> list[str]:
        """The configured models (LLM_MODEL, LLM_FAST_MODEL) the price table has no price for."""
        priced = self.prices()
        return [
            f"{name}={model}"
            for name, model in (("LLM_MODEL", self.model), ("LLM_FAST_MODEL", self.fast_model))
            if model not in priced
        ]

    def startup_problem(self) -> str | None:
        """Why the assistant must not start with these settings, or None. An unpriced model would be
        costed at 0, so the daily budget (LLM_DAILY_BUDGET_USD) could never stop its spending."""
        unpriced = self.unpriced_models() if self.online else []
        if not unpriced:
            return None
        return (
            f"{', '.join(unpriced)} has no price in {self.models_file} (LLM_MODELS_FILE), so the daily "
            "budget could not count its cost. Add the model there with its input_per_million and "
            "output_per_million (US dollars, Groq's list price), or choose a model the table prices: "
            f"{', '.join(sorted(self.prices()))}."
        )

    def prices(self) -> dict[str, tuple[Decimal, Decimal]]:
        """Model → (USD per input token, USD per output token), from the price table file."""
        table = yaml.safe_load(self.models_file.read_text(encoding="utf-8"))["models"]
        million = Decimal(1_000_000)
        return {
            name: (
                Decimal(str(spec["input_per_million"])) / million,
                Decimal(str(spec["output_per_million"])) / million,
            )
            for name, spec in table.items()
        }
