"""Reading stored mail for people: a client's message list, the review queue, and counts
across all clients (labels per week, language mix, corrections waiting for retraining).

Everything here is bounded by an index (``occurred_at``, ``client_id``) or a ``LIMIT``, so the
dashboard's pages stay fast with a hundred thousand messages on SQLite.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    bindparam,
    cast,
    exists,
    func,
    select,
    text,
)
from sqlalchemy.orm import Session

from models.labels import LABELS, LANGUAGES
from service.db.facts import current_flags
from service.db.models import (
    CORRECTED_SQL,
    UNREVIEWED_SQL,
    Feedback,
    Flag,
    Message,
    UTCDateTime,
)
from service.risk.summary import WEEK

UNREVIEWED = text(UNREVIEWED_SQL)
"""Classified client mail no reviewer has confirmed or corrected yet (its partial index)."""
CORRECTED = text(CORRECTED_SQL)


@dataclass
class MessagePage:
    items: list[Message]
    flags: dict[int, list[Flag]]
    """Current-release flags of each listed message (with scores and evidence)."""
    total: int


def current_flags_of(session: Session, message_ids: Iterable[int]) -> dict[int, list[Flag]]:
    """Flags of each message's current release, in insertion order."""
    ids = list(message_ids)
    found: dict[int, list[Flag]] = {message_id: [] for message_id in ids}
    if ids:
        query = (
            select(Flag)
            .join(Message, Message.id == Flag.message_id)
            .where(Flag.message_id.in_(ids), Flag.release == Message.release)
            .order_by(Flag.id)
        )
        for flag in session.scalars(query):
            found[flag.message_id].append(flag)
    return found


def client_messages(session: Session, client_id: int, *, limit: int, offset: int) -> MessagePage:
    """A client's mail, both directions, newest first."""
    total = session.scalar(select(func.count()).where(Message.client_id == client_id)) or 0
    items = list(
        session.scalars(
            select(Message)
            .where(Message.client_id == client_id)
            .order_by(Message.occurred_at.desc(), Message.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return MessagePage(items, current_flags_of(session, [m.id for m in items]), total)


def messages_by_id(session: Session, message_ids: list[int]) -> MessagePage:
    """Messages in the order of ``message_ids``, with their current flags."""
    rows = {m.id: m for m in session.scalars(select(Message).where(Message.id.in_(message_ids)))}
    items = [rows[i] for i in message_ids if i in rows]
    return MessagePage(items, current_flags_of(session, [m.id for m in items]), len(items))


@dataclass(frozen=True)
class ReviewCandidate:
    id: int
    language: str | None
    release: str | None
    scores: dict[str, Any]


def latest_messages(session: Session, client_ids: list[int]) -> dict[int, tuple[str, datetime]]:
    """(direction, time) of each client's latest message: whether we await their reply."""
    if not client_ids:
        return {}
    latest = (
        select(Message.client_id, func.max(Message.occurred_at).label("at"))
        .where(Message.client_id.in_(client_ids))
        .group_by(Message.client_id)
        .subquery()
    )
    query = select(Message.client_id, Message.direction, Message.occurred_at).join(
        latest, (Message.client_id == latest.c.client_id) & (Message.occurred_at == latest.c.at)
    )
    found: dict[int, tuple[str, datetime]] = {}
    for client_id, direction, at in session.execute(query):
        if client_id is not None and (client_id not in found or direction == "inbound"):
            # on a tie in time, they did write
            found[client_id] = (direction, at)
    return found


def review_candidates(session: Session, limit: int) -> list[ReviewCandidate]:
    """The newest unreviewed messages (their scores only: the caller ranks them by doubt)."""
    query = (
        select(Message.id, Message.language, Message.release, Message.scores)
        .where(UNREVIEWED)
        .order_by(Message.occurred_at.desc(), Message.id.desc())
        .limit(limit)
    )
    return [
        ReviewCandidate(r.id, r.language, r.release, r.scores or {}) for r in session.execute(query)
    ]


def unreviewed_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Message).where(UNREVIEWED)) or 0


def _exportable() -> ColumnElement[bool]:
    """Corrections ``triage export-feedback`` writes out: client mail in a product language."""
    return (
        CORRECTED
        & (Message.direction == "inbound")
        & Message.language.in_(LANGUAGES)
        & (Message.text != "")
    )


def corrections_count(session: Session, release: str | None = None) -> int:
    """Corrected messages ready for export; with ``release``, only those corrected on that
    release's labels, which its own training cannot have seen."""
    condition = _exportable()
    if release is not None:
        condition &= exists().where(Feedback.message_id == Message.id, Feedback.release == release)
    return session.scalar(select(func.count()).where(condition)) or 0


def language_mix(session: Session, since: datetime) -> dict[str, int]:
    """Client messages per detected language since ``since`` (``""``: not classified yet)."""
    query = (
        select(Message.language, func.count())
        .where(Message.direction == "inbound", Message.occurred_at >= since)
        .group_by(Message.language)
    )
    return {language or "": count for language, count in session.execute(query)}


def _week_index(session: Session, start: datetime) -> ColumnElement[int]:
    """Seven-day periods between ``start`` and a message's time, as SQL for the backend."""
    at = bindparam("week_start", start, type_=UTCDateTime())
    if session.get_bind().dialect.name == "sqlite":
        return cast((func.julianday(Message.occurred_at) - func.julianday(at)) / 7, Integer)
    return cast(
        func.floor(func.extract("epoch", Message.occurred_at - at) / WEEK.total_seconds()), Integer
    )


def weekly_label_counts(session: Session, start: datetime, weeks: int) -> dict[str, list[int]]:
    """Client messages per effective label per seven-day period from ``start``, all clients.

    The current release's flags are counted in SQL (from indexes alone); then the few corrected
    messages trade their model labels for their reviewers' labels.
    """
    counts = {label: [0] * weeks for label in LABELS}

    def add(index: int, label: str, n: int) -> None:
        if label in counts and index >= 0:
            counts[label][min(index, weeks - 1)] += n

    period = (
        select(_week_index(session, start).label("week"), Flag.label)
        .join(Message, Message.id == Flag.message_id)
        .where(Flag.release == Message.release, Message.occurred_at >= start)
        .subquery()
    )
    grouped = select(period.c.week, period.c.label, func.count()).group_by(
        period.c.week, period.c.label
    )
    for week, label, n in session.execute(grouped):
        add(int(week), label, n)
    corrected = {
        row.id: row
        for row in session.execute(
            select(Message.id, Message.occurred_at, Message.corrected_labels).where(
                CORRECTED, Message.occurred_at >= start
            )
        )
    }
    for message_id, label in session.execute(current_flags(message_ids=corrected)):
        add(int((corrected[message_id].occurred_at - start) / WEEK), label, -1)
    for row in corrected.values():
        for label in row.corrected_labels or []:
            add(int((row.occurred_at - start) / WEEK), label, 1)
    return counts
