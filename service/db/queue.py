"""The classification queue lives in the ``messages`` table: claim, complete, retry.

Claiming is one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING id``:
on PostgreSQL concurrent workers (threads, processes, machines) skip each other's rows instead
of waiting or double-claiming; SQLite ignores ``FOR UPDATE`` but runs the single statement
atomically under its database lock. A claim is a lease: a worker that dies leaves its rows
``claimed`` until ``claimed_until`` passes, then any worker claims them again. Completing checks
the lease is still ours, and flags are unique per (message, label, release), so a message is
never classified into duplicate flags even when a lease expires under a slow worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from models.prediction import ClassifyResult
from service.config import Settings
from service.db.flags import write_flags
from service.db.models import Message, MessageStatus, utcnow
from service.db.session import rowcount


def claimable(now: datetime) -> ColumnElement[bool]:
    """Pending rows whose retry time has come, and claimed rows whose lease has expired."""
    return or_(
        (Message.status == MessageStatus.PENDING) & (Message.next_attempt_at <= now),
        (Message.status == MessageStatus.CLAIMED) & (Message.claimed_until < now),
    )


def claim_batch(session: Session, worker: str, settings: Settings) -> list[int]:
    """Claim up to ``worker_batch_size`` messages for ``worker``; commit before classifying."""
    now = utcnow()
    candidates = (
        select(Message.id)
        .where(claimable(now))
        .order_by(Message.next_attempt_at, Message.id)
        .limit(settings.worker_batch_size)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        update(Message)
        .where(Message.id.in_(candidates))
        .values(
            status=MessageStatus.CLAIMED,
            claimed_by=worker,
            claimed_until=now + timedelta(seconds=settings.worker_lease_seconds),
            attempts=Message.attempts + 1,
        )
        .returning(Message.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(statement).all())


def _still_ours(session: Session, message_id: int, worker: str) -> Message | None:
    """The message if our lease holds (locked on PostgreSQL until commit), else None."""
    return session.scalar(
        select(Message)
        .where(
            Message.id == message_id,
            Message.status == MessageStatus.CLAIMED,
            Message.claimed_by == worker,
        )
        .with_for_update()
    )


def complete(
    session: Session, message_id: int, worker: str, result: ClassifyResult
) -> Message | None:
    """Store a result if we still hold the message; None if another worker took it over."""
    message = _still_ours(session, message_id, worker)
    if message is None:
        return None
    write_flags(session, message_id, result)
    message.language = result.language
    message.language_iso = result.language_iso
    message.scores = dict(result.scores)
    message.release = result.release
    message.classified_at = utcnow()
    message.status = MessageStatus.DONE
    message.claimed_by = None
    message.claimed_until = None
    message.last_error = None
    return message


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential: base, 2x base, 4x base... capped."""
    delay = settings.worker_backoff_seconds * (2 ** max(0, attempts - 1))
    return min(delay, settings.worker_backoff_max_seconds)


def release_failed(
    session: Session, message_ids: Sequence[int], worker: str, error: str, settings: Settings
) -> None:
    """Give claimed messages back for a later retry, or mark them failed after the last try."""
    now = utcnow()
    for message_id in message_ids:
        message = _still_ours(session, message_id, worker)
        if message is None:
            continue
        give_up = message.attempts >= settings.worker_max_attempts
        message.status = MessageStatus.FAILED if give_up else MessageStatus.PENDING
        message.next_attempt_at = now + timedelta(
            seconds=backoff_seconds(message.attempts, settings)
        )
        message.claimed_by = None
        message.claimed_until = None
        message.last_error = error[:2000]


def queue_depth(session: Session) -> dict[str, int]:
    """Messages per queue status (``/metrics`` and ``/v1/admin/queue``)."""
    rows = session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
    depth = {status.value: 0 for status in MessageStatus}
    depth.update({status: count for status, count in rows})
    return depth


def requeue(
    session: Session,
    *,
    release: str | None = None,
    include_failed: bool = False,
    everything: bool = False,
    client_id: int | None = None,
) -> int:
    """Put classified inbound messages back in the queue (a new release, or after failures).

    By default only messages not already classified by ``release`` are queued, so running the
    command twice costs nothing.
    """
    statuses = [MessageStatus.DONE] + ([MessageStatus.FAILED] if include_failed else [])
    condition = (Message.direction == "inbound") & Message.status.in_(statuses)
    if release is not None and not everything:
        condition &= or_(Message.release.is_(None), Message.release != release)
    if client_id is not None:
        condition &= Message.client_id == client_id
    result = session.execute(
        update(Message)
        .where(condition)
        .values(
            status=MessageStatus.PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
            claimed_by=None,
            claimed_until=None,
        ),
        execution_options={"synchronize_session": False},
    )
    return rowcount(result)
