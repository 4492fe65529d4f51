"""Flags: writing a classification result once, and reading a client's flag history.

Writing is idempotent by construction: a flag is unique per (message, label, release) and is
inserted with ``ON CONFLICT DO NOTHING``, so a batch that two workers both classified (a lease
that expired under a slow worker) still leaves one flag per label.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import Insert

from models.prediction import ClassifyResult
from service.db.models import Flag, Message, utcnow


def _insert_ignoring_duplicates(session: Session, rows: list[dict[str, Any]]) -> None:
    dialect = session.get_bind().dialect.name
    statement: Insert
    if dialect == "postgresql":
        statement = postgresql.insert(Flag).on_conflict_do_nothing(
            index_elements=["message_id", "label", "release"]
        )
    elif dialect == "sqlite":
        statement = sqlite.insert(Flag).on_conflict_do_nothing(
            index_elements=["message_id", "label", "release"]
        )
    else:  # pragma: no cover - other backends rely on the unique constraint raising
        statement = insert(Flag)
    session.execute(statement, rows)


def write_flags(session: Session, message_id: int, result: ClassifyResult) -> int:
    """Insert one flag per fired label; returns how many labels fired."""
    now = utcnow()
    rows = [
        {
            "message_id": message_id,
            "label": label,
            "score": float(result.scores.get(label, 0.0)),
            "evidence": list(result.evidence.get(label, [])),
            "release": result.release,
            "created_at": now,
        }
        for label in result.labels
    ]
    if rows:
        _insert_ignoring_duplicates(session, rows)
    return len(rows)


CURSOR_ORIGIN = datetime(1, 1, 1, tzinfo=UTC)
CURSOR_PATTERN = r"^[0-9]{1,18}-[0-9]{1,18}$"
"""A cursor is ``<microseconds since 0001-01-01>-<flag id>``: every string of this shape names a
position (values past the end of time clamp to it), so a well-formed cursor is never refused."""
_MAX_MICROSECONDS = (datetime.max.replace(tzinfo=UTC) - CURSOR_ORIGIN) // timedelta(microseconds=1)


def encode_cursor(moment: datetime, flag_id: int) -> str:
    return f"{(moment - CURSOR_ORIGIN) // timedelta(microseconds=1)}-{flag_id}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """The position a cursor of :data:`CURSOR_PATTERN` names (callers validate the shape)."""
    micros, _, flag_id = cursor.partition("-")
    moment = CURSOR_ORIGIN + timedelta(microseconds=min(int(micros), _MAX_MICROSECONDS))
    return moment, int(flag_id)


@dataclass
class FlagFilter:
    label: str | None = None
    language: str | None = None
    since: datetime | None = None
    until: datetime | None = None


@dataclass
class FlagPage:
    items: list[tuple[Flag, Message]]
    next_cursor: str | None


def flag_history(
    session: Session,
    client_id: int,
    filters: FlagFilter,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> FlagPage:
    """Current-release flags of a client, newest message first, keyset-paginated."""
    query = (
        select(Flag, Message)
        .join(Message, Message.id == Flag.message_id)
        .where(Message.client_id == client_id, Flag.release == Message.release)
    )
    if filters.label:
        query = query.where(Flag.label == filters.label)
    if filters.language:
        query = query.where(Message.language == filters.language)
    if filters.since:
        query = query.where(Message.occurred_at >= filters.since)
    if filters.until:
        query = query.where(Message.occurred_at < filters.until)
    if cursor:
        moment, flag_id = decode_cursor(cursor)
        query = query.where(
            or_(
                Message.occurred_at < moment,
                and_(Message.occurred_at == moment, Flag.id < flag_id),
            )
        )
    query = query.order_by(Message.occurred_at.desc(), Flag.id.desc()).limit(limit + 1)
    rows = [(flag, message) for flag, message in session.execute(query)]
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][1].occurred_at, rows[-1][0].id) if more else None
    return FlagPage(items=rows, next_cursor=next_cursor)


def message_flags(session: Session, message: Message) -> list[Flag]:
    """Flags of a message's current release, in label order of insertion."""
    return list(
        session.scalars(
            select(Flag)
            .where(Flag.message_id == message.id, Flag.release == message.release)
            .order_by(Flag.id)
        )
    )
