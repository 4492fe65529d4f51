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
from typing import Any

from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from service.config import Settings
from service.db.clients import resolve_client
from service.db.models import Client, Message, MessageStatus, UTCDateTime, utcnow
from service.db.session import Database, upsert_insert
from service.mail.message import Direction, NormalizedMessage
from service.mail.timing import reply_gap_seconds

logger = logging.getLogger(__name__)


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


def find_answered(session: Session, message: NormalizedMessage) -> Message | None:
    """The stored message this one replies to: In-Reply-To first, then References, newest
    first; preferring the other direction (a client answering us, or us answering them)."""
    candidates = [message.in_reply_to, *reversed(message.references)]
    ids = [mid for mid in dict.fromkeys(candidates) if mid]
    if not ids:
        return None
    rows = session.scalars(select(Message).where(Message.message_id.in_(ids))).all()
    by_id: dict[str, list[Message]] = {}
    for row in rows:
        by_id.setdefault(row.message_id or "", []).append(row)
    for mid in ids:
        found = sorted(by_id.get(mid, []), key=lambda m: m.direction == message.direction.value)
        if found:
            return found[0]
    return None


def _compressed_raw(message: NormalizedMessage, settings: Settings) -> bytes | None:
    if message.raw_mime is None or settings.raw_mime_retention_days == 0:
        return None
    return zlib.compress(message.raw_mime, 6)


def _row_values(
    session: Session, message: NormalizedMessage, settings: Settings, digest: str, key: str
) -> dict[str, Any]:
    """Column values of the ``messages`` row for ``message`` (resolving its client)."""
    received = utcnow()
    answered = find_answered(session, message)
    address = counterpart(message)
    inbound = message.direction == Direction.INBOUND
    return {
        "dedup_key": key,
        "content_hash": digest,
        "client_id": resolve_client(session, address, settings),
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
        "charset": message.charset,
        "attachments": message.attachments,
        "reply_gap_seconds": reply_gap_seconds(message, answered.date if answered else None),
        "answered_message_id": answered.id if answered else None,
        "raw_mime": _compressed_raw(message, settings),
        "status": MessageStatus.PENDING if inbound else MessageStatus.SKIPPED,
        "next_attempt_at": received,
    }


def _insert_new(session: Session, values: dict[str, Any]) -> int | None:
    """Insert the row unless its dedup key is already stored; its id, or ``None`` if it was.

    One statement instead of an ORM flush inside a savepoint: a concurrent redelivery of the
    same message simply inserts nothing, and per message the ORM path cost three round
    trips and most of the ingest time.
    """
    statement = (
        upsert_insert(session)(Message)
        .values(values)
        .on_conflict_do_nothing(index_elements=[Message.dedup_key])
        .returning(Message.id)
    )
    return session.execute(statement).scalar_one_or_none()


def _stored(session: Session, key: str) -> IngestOutcome | None:
    """The outcome for an already stored message with this dedup key, if there is one."""
    row = session.execute(
        select(Message.id, Message.client_id, Message.direction).where(Message.dedup_key == key)
    ).first()
    return IngestOutcome(row.id, row.client_id, True, row.direction) if row else None


def _touch_contact(session: Session, client_id: int | None, moment: datetime) -> None:
    """Keep the client's first/last contact current (the ranked list sorts by it), in one
    UPDATE that only ever widens the range, so concurrent ingests cannot narrow it."""
    if client_id is None:
        return
    at = literal(moment, UTCDateTime())
    first, last = Client.first_contact, Client.last_contact
    session.execute(
        update(Client)
        .where(Client.id == client_id)
        .values(
            first_contact=case((or_(first.is_(None), first > at), at), else_=first),
            last_contact=case((or_(last.is_(None), last < at), at), else_=last),
        )
        .execution_options(synchronize_session=False)
    )


def ingest_one(session: Session, message: NormalizedMessage, settings: Settings) -> IngestOutcome:
    """Store one message in the caller's transaction (or find the stored copy)."""
    digest = content_hash(message)
    key = dedup_key(message.message_id, digest)
    stored = _stored(session, key)
    if stored is not None:
        return stored
    values = _row_values(session, message, settings, digest, key)
    inserted = _insert_new(session, values)
    if inserted is None:  # a concurrent redelivery stored the same key in the meantime
        stored = _stored(session, key)
        if stored is None:  # pragma: no cover - the conflicting row must be visible by now
            raise RuntimeError(f"dedup key {key} conflicts but is not stored")
        return stored
    _touch_contact(session, values["client_id"], values["occurred_at"])
    return IngestOutcome(inserted, values["client_id"], False, values["direction"])


def ingest_messages(
    database: Database, messages: list[NormalizedMessage], settings: Settings
) -> list[IngestOutcome]:
    """Store messages in one transaction; returns only after the commit (all or nothing)."""
    with database.session() as session:
        outcomes = [ingest_one(session, message, settings) for message in messages]
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
    return int(result.rowcount or 0)


def raw_mime_bytes(compressed: bytes | None) -> bytes | None:
    return zlib.decompress(compressed) if compressed is not None else None
