"""What risk reads of a client's stored mail, and where its result is persisted.

Always *effective* labels: a reviewer's correction replaces the model's labels, and only flags
of the release that last classified a message count. The rules themselves are in
:mod:`service.risk`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.labels import LABELS
from service.db.models import Client, Flag, Message, MessageStatus, utcnow
from service.risk.assess import MessageFacts
from service.risk.policy import RISK_RANK, RiskLevel


def current_flags(
    message_ids: Iterable[int] | None = None, client_id: int | None = None
) -> Select[int, str]:
    """(message id, label) of flags from each message's current release."""
    query = select(Flag.message_id, Flag.label).join(Message, Message.id == Flag.message_id)
    query = query.where(Flag.release == Message.release)
    if client_id is not None:
        query = query.where(Message.client_id == client_id)
    if message_ids is not None:
        query = query.where(Flag.message_id.in_(list(message_ids)))
    return query


def effective_labels(message: Message, model_labels: Sequence[str]) -> tuple[str, ...]:
    """The reviewer's labels when there are any, else the model's (in label order)."""
    chosen = message.corrected_labels if message.corrected_labels is not None else model_labels
    return tuple(label for label in LABELS if label in set(chosen))


def load_facts(session: Session, client_id: int) -> list[MessageFacts]:
    """Every message of a client, reduced to what aggregation needs (two queries)."""
    messages = session.scalars(select(Message).where(Message.client_id == client_id)).all()
    labels: dict[int, list[str]] = defaultdict(list)
    for message_id, label in session.execute(current_flags(client_id=client_id)):
        labels[message_id].append(label)
    return [
        MessageFacts(
            id=m.id,
            occurred_at=m.occurred_at,
            direction=m.direction,
            labels=effective_labels(m, labels[m.id]),
            classified=m.status == MessageStatus.DONE or m.corrected_labels is not None,
            reply_gap_seconds=m.reply_gap_seconds,
        )
        for m in messages
    ]


def save_risk(
    session: Session, client: Client, level: RiskLevel, points: int, facts: Sequence[MessageFacts]
) -> None:
    """Store a client's assessed risk and contact dates (the ranked list reads these columns)."""
    client.risk_level = level.value
    client.risk_rank = RISK_RANK[level]
    client.risk_points = points
    client.risk_updated_at = utcnow()
    if facts:
        client.first_contact = min(f.occurred_at for f in facts)
        client.last_contact = max(f.occurred_at for f in facts)
