"""Durable ingest: one function stores a normalized message, for every webhook and ``deliver``.

The caller answers its sender (2xx, exit 0) only after :func:`ingest_messages` has committed, so
a stored message is never lost. Redelivery is recognized by a key made of the Message-ID *and* a
hash of the content: a Message-ID alone is not safe (some clients reuse or omit it, and a forged
one must not shadow a real message), content alone would merge two identical short mails
("OK, thanks") that are really two messages.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, case, or_, select, update
from sqlalchemy.orm import Session

from service.config import Settings
from service.db.clients import resolve_client
from service.db.models import Client, Message, MessageStatus, UTCDateTime, table, utcnow
from service.db.replay import record_token
from service.db.session import Database, rowcount, upsert_insert
from service.mail.message import Direction, NormalizedMessage
from service.mail.timing import reply_gap_seconds

logger = logging.getLogger(__name__)

# Core statements built once: the webhook path runs them per message, and rebuilding (and
# re-keying for the compiled cache) a 28-column insert each time cost more than executing it.
MESSAGES = table(Message)
CLIENTS = table(Client)
STORED = select(MESSAGES.c.id, MESSAGES.c.client_id, MESSAGES.c.direction).where(
    MESSAGES.c.dedup_key == bindparam("key")
)
ANSWERED = select(
    MESSAGES.c.id, MESSAGES.c.message_id, MESSAGES.c.direction, MESSAGES.c.date
).where(MESSAGES.c.message_id.in_(bindparam("ids", expanding=True)))
_AT = bindparam("at", type_=UTCDateTime())
TOUCH_CONTACT = (
    update(CLIENTS)
    .where(CLIENTS.c.id == bindparam("client"))
    .values(
        first_contact=case(
            (or_(CLIENTS.c.first_contact.is_(None), CLIENTS.c.first_contact > _AT), _AT),
            else_=CLIENTS.c.first_contact,
        ),
        last_contact=case(
            (or_(CLIENTS.c.last_contact.is_(None), CLIENTS.c.last_contact < _AT), _AT),
            else_=CLIENTS.c.last_contact,
        ),
    )
)
"""Keeps a client's first/last contact current, only ever widening the range, so concurrent
ingests cannot narrow it."""


@cache
def insert_new_statement(dialect: str) -> Any:
    """``INSERT ... ON CONFLICT (dedup_key) DO NOTHING RETURNING id`` for ``dialect``: a
    concurrent redelivery of the same message simply inserts nothing."""
    return (
        upsert_insert(dialect)(MESSAGES)
        .on_conflict_do_nothing(index_elements=[MESSAGES.c.dedup_key])
        .returning(MESSAGES.c.id)
    )


@dataclass(frozen=True)
class IngestOutcome:
    """What became of one message: its id, and whether it was already stored."""

    id: int
    client_id: int | None
    duplicate: bool
    direction: str


def content_hash(message: NormalizedMessage) -> str:
    """SHA-256 over the fields that make a message what it is, independent of the provider's
    envelope (the same mail posted by Mailgun and by raw MIME hashes the same)."""
    payload = {
        "from": message.from_address,
        "to": sorted(message.to_addresses),
        "subject": message.subject,
        "date": message.date.isoformat() if message.date else None,
        "text": message.text,
        "quoted": message.quoted_text,
        "signature": message.signature,
        "direction": message.direction.value,
    }
    encoded = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    return hashlib.sha256(encoded).hexdigest()


def dedup_key(message_id: str | None, digest: str) -> str:
    return hashlib.sha256(f"{message_id or ''}\0{digest}".encode()).hexdigest()


def counterpart(message: NormalizedMessage) -> str:
    """The client side of a message: who wrote inbound mail, whom outbound mail went to."""
    if message.direction == Direction.OUTBOUND:
        return message.to_addresses[0] if message.to_addresses else ""
    return message.from_address


@dataclass(frozen=True)
class Answered:
    """The stored message a new one replies to (its id and Date are all the timing needs)."""

    id: int
    date: datetime | None


def find_answered(connection: Connection, message: NormalizedMessage) -> Answered | None:
    """The stored message this one replies to: In-Reply-To first, then References, newest
    first; preferring the other direction (a client answering us, or us answering them)."""
    candidates = [message.in_reply_to, *reversed(message.references)]
    ids = [mid for mid in dict.fromkeys(candidates) if mid]
    if not ids:
        return None
    by_id: dict[str, list[Any]] = {}
    for row in connection.execute(ANSWERED, {"ids": ids}):
        by_id.setdefault(row.message_id or "", []).append(row)
    for mid in ids:
        found = sorted(by_id.get(mid, []), key=lambda m: m.direction == message.direction.value)
        if found:
            return Answered(found[0].id, found[0].date)
    return None


def _compressed_raw(message: NormalizedMessage, settings: Settings) -> bytes | None:
    if message.raw_mime is None or settings.raw_mime_retention_days == 0:
        return None
    return zlib.compress(message.raw_mime, 6)


def _row_values(
    connection: Connection,
    message: NormalizedMessage,
    settings: Settings,
    digest: str,
    key: str,
) -> dict[str, Any]:
    """Column values of the ``messages`` row for ``message`` (resolving its client)."""
    received = utcnow()
    answered = find_answered(connection, message)
    address = counterpart(message)
    inbound = message.direction == Direction.INBOUND
    return {
        "dedup_key": key,
        "content_hash": digest,
        "client_id": resolve_client(connection, address, settings),
        "counterpart_address": address,
        "direction": message.direction.value,
        "provider": message.provider[:32],
        "message_id": message.message_id,
        "in_reply_to": message.in_reply_to,
        "reference_ids": list(message.references),
        "from_address": message.from_address,
        "from_name": message.from_name,
        "to_addresses": list(message.to_addresses),
        "subject": message.subject,
        "date": message.date,
        "received_at": received,
        "occurred_at": message.date or received,
        "text": message.text,
        "quoted_text": message.quoted_text,
        "quoted_date": message.quoted_date,
        "signature": message.signature,
        "html": message.html,
        "charset": message.charset,
        "attachments": message.attachments,
        "reply_gap_seconds": reply_gap_seconds(message, answered.date if answered else None),
        "answered_message_id": answered.id if answered else None,
        "raw_mime": _compressed_raw(message, settings),
        "status": MessageStatus.PENDING if inbound else MessageStatus.SKIPPED,
        "next_attempt_at": received,
    }


def _stored(connection: Connection, key: str) -> IngestOutcome | None:
    """The outcome for an already stored message with this dedup key, if there is one."""
    row = connection.execute(STORED, {"key": key}).first()
    return IngestOutcome(row.id, row.client_id, True, row.direction) if row else None


def ingest_one(
    connection: Connection, message: NormalizedMessage, settings: Settings
) -> IngestOutcome:
    """Store one message in the caller's transaction, or find the stored copy.

    The lookup comes first: building the row resolves (and may create) the client, which a
    redelivery must not do, e.g. after an operator removed the address from its client.
    """
    digest = content_hash(message)
    key = dedup_key(message.message_id, digest)
    stored = _stored(connection, key)
    if stored is not None:
        return stored
    values = _row_values(connection, message, settings, digest, key)
    statement = insert_new_statement(connection.dialect.name)
    inserted = connection.execute(statement, values).scalar_one_or_none()
    if inserted is None:  # a concurrent redelivery stored the same key in the meantime
        stored = _stored(connection, key)
        if stored is None:  # pragma: no cover - the conflicting row must be visible by now
            raise RuntimeError(f"dedup key {key} conflicts but is not stored")
        return stored
    if values["client_id"] is not None:
        connection.execute(
            TOUCH_CONTACT, {"client": values["client_id"], "at": values["occurred_at"]}
        )
    return IngestOutcome(inserted, values["client_id"], False, values["direction"])


def ingest_messages(
    database: Database,
    messages: list[NormalizedMessage],
    settings: Settings,
    *,
    one_time_token: tuple[str, float] | None = None,
) -> list[IngestOutcome]:
    """Store messages in one transaction; returns only after the commit (all or nothing).

    ``one_time_token`` is ``(key, ttl_seconds)`` of a webhook's one-time token: it is recorded
    in the same transaction (:class:`service.db.replay.TokenReused` if already used), so a
    failed store never burns it.
    """
    with database.connection() as connection:
        if one_time_token is not None:
            record_token(connection, *one_time_token)
        outcomes = [ingest_one(connection, message, settings) for message in messages]
    for outcome in outcomes:
        logger.info(
            "message stored" if not outcome.duplicate else "redelivery recognized",
            extra={"message_id": outcome.id, "client_id": outcome.client_id},
        )
    return outcomes


def purge_raw_mime(session: Session, settings: Settings, now: datetime | None = None) -> int:
    """Drop raw MIME older than the retention period; returns how many copies were dropped."""
    days = settings.raw_mime_retention_days
    if days < 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    result = session.execute(
        update(Message)
        .where(Message.raw_mime.is_not(None), Message.received_at < cutoff)
        .values(raw_mime=None),
        execution_options={"synchronize_session": False},
    )
    return rowcount(result)


def raw_mime_bytes(compressed: bytes | None) -> bytes | None:
    return zlib.decompress(compressed) if compressed is not None else None
