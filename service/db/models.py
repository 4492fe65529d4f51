"""The database tables, as typed SQLAlchemy 2 ORM classes.

The schema itself is owned by Alembic (``service/db/migrations``): change a class here, then add
a migration. Timestamps are stored in UTC (:class:`UTCDateTime`) so that SQLite, which has no
time zones, and PostgreSQL give back the same aware datetimes.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text  # `text` is also a column of messages
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from service.risk.policy import RiskLevel

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Deterministic constraint names, so migrations can refer to them on both backends."""

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets BIGINT identities.
Id = BigInteger().with_variant(Integer(), "sqlite")


NEVER_REUSE_IDS = {"sqlite_autoincrement": True}
"""An erased client's (or message's) id must never name another one later; SQLite reuses the
highest rowid after a delete unless told otherwise (PostgreSQL sequences never do)."""


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dict[str, Any]: JSON,
        list[str]: JSON,
        datetime: UTCDateTime,
    }


class MessageStatus(StrEnum):
    """Where a message is in the classification queue."""

    PENDING = "pending"  # waiting (or waiting for a retry at next_attempt_at)
    CLAIMED = "claimed"  # a worker holds it until claimed_until
    DONE = "done"  # classified; flags written
    FAILED = "failed"  # gave up after worker_max_attempts; `triage reclassify --failed` retries
    SKIPPED = "skipped"  # outbound mail: stored for timing, never classified


class Client(Base):
    """One client relationship; owns addresses and/or whole domains."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(320), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Denormalized risk (refreshed on every change) so the ranked list is one indexed query.
    risk_level: Mapped[str] = mapped_column(String(8), default=RiskLevel.GREEN)
    risk_rank: Mapped[int] = mapped_column(Integer, default=0)
    risk_points: Mapped[int] = mapped_column(Integer, default=0)
    risk_updated_at: Mapped[datetime | None] = mapped_column(default=None)
    risk_reasons: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    """The reasons of the stored level (:meth:`service.db.risk.Reason.to_json` each)."""
    risk_trend: Mapped[list[int] | None] = mapped_column(JSON, default=None)
    """Risk signals per seven-day period over the risk window, as of ``risk_updated_at``."""
    first_contact: Mapped[datetime | None] = mapped_column(default=None)
    last_contact: Mapped[datetime | None] = mapped_column(default=None)

    addresses: Mapped[list[ClientAddress]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_clients_ranking", "risk_rank", "risk_points", "last_contact"),
        NEVER_REUSE_IDS,
    )


class AddressKind(StrEnum):
    ADDRESS = "address"
    DOMAIN = "domain"


class ClientAddress(Base):
    """A normalized address (``ivan@example.ru``) or a domain (``example.ru``) owned by a client."""

    __tablename__ = "client_addresses"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    value: Mapped[str] = mapped_column(String(320), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="addresses")


UNREVIEWED_SQL = "direction = 'inbound' AND status = 'done' AND corrected_labels IS NULL"
"""Classified client mail no reviewer has confirmed or corrected: the review queue. A literal
SQL condition, so that queries written with it match the partial index exactly."""
CORRECTED_SQL = "corrected_labels IS NOT NULL"


class Message(Base):
    """One stored e-mail (inbound client mail or the provider's outbound mail) and its queue
    state."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(64), unique=True)
    """sha256(Message-ID + content hash): a redelivery maps to the stored row."""
    content_hash: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    counterpart_address: Mapped[str] = mapped_column(String(320), index=True)
    """The client side of the mail: sender of inbound, first recipient of outbound."""
    direction: Mapped[str] = mapped_column(String(8))
    provider: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    reference_ids: Mapped[list[str]] = mapped_column(default=list)
    from_address: Mapped[str] = mapped_column(String(320))
    from_name: Mapped[str] = mapped_column(String(320), default="")
    to_addresses: Mapped[list[str]] = mapped_column(default=list)
    subject: Mapped[str] = mapped_column(Text, default="")
    date: Mapped[datetime | None] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    occurred_at: Mapped[datetime] = mapped_column()
    """``date`` when the message has one, else ``received_at``: the sort key for histories."""
    text: Mapped[str] = mapped_column(Text, default="")
    quoted_text: Mapped[str] = mapped_column(Text, default="")
    quoted_date: Mapped[datetime | None] = mapped_column()
    signature: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text, deferred=True)
    """The HTML part as sent (not sanitized), when the mail had one; loaded only when read."""
    charset: Mapped[str | None] = mapped_column(String(64))
    attachments: Mapped[int] = mapped_column(Integer, default=0)
    reply_gap_seconds: Mapped[int | None] = mapped_column(BigInteger)
    answered_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    raw_mime: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    """zlib-compressed original bytes, kept for ``raw_mime_retention_days``."""

    # Classification (the latest release that classified it).
    language: Mapped[str | None] = mapped_column(String(8))
    language_iso: Mapped[str | None] = mapped_column(String(8))
    scores: Mapped[dict[str, Any] | None] = mapped_column()
    release: Mapped[str | None] = mapped_column(String(64))
    classified_at: Mapped[datetime | None] = mapped_column()
    corrected_labels: Mapped[list[str] | None] = mapped_column()
    """Labels from the latest reviewer feedback; when set, they replace the model's labels."""

    # Queue state.
    status: Mapped[str] = mapped_column(String(8), default=MessageStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    flags: Mapped[list[Flag]] = relationship(
        back_populates="message", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        Index("ix_messages_queue", "status", "next_attempt_at"),
        Index("ix_messages_client_time", "client_id", "occurred_at"),
        # Reports over a period of all mail (labels per week, language mix) read only this
        # index; it also serves every plain ``occurred_at`` range.
        Index("ix_messages_timeline", "occurred_at", "direction", "language", "release"),
        # Leading with the condition's own columns makes SQLite (no statistics) choose it over
        # the queue index, which would sort every classified message.
        Index(
            "ix_messages_unreviewed",
            "status",
            "direction",
            "occurred_at",
            sqlite_where=sql_text(UNREVIEWED_SQL),
            postgresql_where=sql_text(UNREVIEWED_SQL),
        ),
        Index(
            "ix_messages_corrected",
            "occurred_at",
            sqlite_where=sql_text(CORRECTED_SQL),
            postgresql_where=sql_text(CORRECTED_SQL),
        ),
        NEVER_REUSE_IDS,
    )


class Flag(Base):
    """A label the model gave a message, with the release that gave it."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    release: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    message: Mapped[Message] = relationship(back_populates="flags")

    # The backstop against double classification: a release flags a label once per message.
    __table_args__ = (UniqueConstraint("message_id", "label", "release"),)


class Feedback(Base):
    """A reviewer's correction: the full label set the message should have had."""

    __tablename__ = "feedback"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    labels: Mapped[list[str]] = mapped_column(default=list)
    model_labels: Mapped[list[str]] = mapped_column(default=list)
    release: Mapped[str | None] = mapped_column(String(64))
    reviewer: Mapped[str] = mapped_column(String(320), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Scope(StrEnum):
    """What an API key may do; a key has only the scopes it was created with."""

    READ = "read"  # clients, messages, flags, feedback: GET only (a dashboard's view)
    WRITE = "write"  # feedback, creating and renaming clients, address mappings
    ADMIN = "admin"  # erasing clients, reloading the model, the queue and re-queuing
    INBOUND = "inbound"  # posting mail to /v1/inbound/raw and /json, nothing else


class ApiKey(Base):
    """An API key, stored as its SHA-256 (keys are 256-bit random, so no slow hash is needed)."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(64), default="")
    """Space-separated :class:`Scope` names: what the key may do."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    def allows(self, scope: Scope) -> bool:
        return scope.value in self.scopes.split()


class ReplayToken(Base):
    """A one-time webhook token already accepted (Mailgun's ``token``), shared by every process
    that serves webhooks, so a replay is refused whichever process it reaches."""

    __tablename__ = "replay_tokens"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class DashboardSession(Base):
    """A dashboard sign-in. The cookie carries a signed random token; only its SHA-256 is
    stored, so the table cannot sign anyone in. Logging out deletes the row; revoking the API
    key it was opened with ends it too (the lookup joins the active key)."""

    __tablename__ = "dashboard_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_keys.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    """Every dashboard form carries it; a post without it is refused."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


def table(model: type[Base]) -> Table:
    """The Core table of a mapped class, for the hot paths that skip the ORM."""
    return cast(Table, model.__table__)
