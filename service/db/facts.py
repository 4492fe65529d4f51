"""What risk reads of a client's stored mail, and where its result is persisted.

Always *effective* labels: a reviewer's correction replaces the model's labels, and only flags
of the release that last classified a message count. The rules themselves are in
:mod:`service.risk`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import cast

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.labels import LABELS
from service.db.models import Client, Flag, Message, MessageStatus, utcnow
from service.risk.assess import MessageFacts, RiskAssessment
from service.risk.policy import RISK_RANK


def current_flags(
    message_ids: Iterable[int] | None = None, client_ids: Iterable[int] | None = None
) -> Select[int, str]:
    """(message id, label) of flags from each message's current release."""
    query = select(Flag.message_id, Flag.label).join(Message, Message.id == Flag.message_id)
    query = query.where(Flag.release == Message.release)
    if client_ids is not None:
        query = query.where(Message.client_id.in_(list(client_ids)))
    if message_ids is not None:
        query = query.where(Flag.message_id.in_(list(message_ids)))
    return query


def choose_labels(corrected: Sequence[str] | None, model_labels: Sequence[str]) -> tuple[str, ...]:
    """The reviewer's labels when there are any, else the model's (in label order)."""
    chosen = set(corrected if corrected is not None else model_labels)
    return tuple(label for label in LABELS if label in chosen)


def effective_labels(message: Message, model_labels: Sequence[str]) -> tuple[str, ...]:
    """A stored message's effective labels, given its current release's flags."""
    return choose_labels(message.corrected_labels, model_labels)


FACT_COLUMNS = (
    Message.id,
    Message.client_id,
    Message.occurred_at,
    Message.direction,
    Message.status,
    Message.corrected_labels,
    Message.reply_gap_seconds,
)
"""Only what aggregation reads: loading whole rows (with their texts) would dominate a list."""


def load_facts_many(session: Session, client_ids: Iterable[int]) -> dict[int, list[MessageFacts]]:
    """Every message of each client, reduced to what aggregation needs (two queries in all)."""
    ids = list(client_ids)
    facts: dict[int, list[MessageFacts]] = {client_id: [] for client_id in ids}
    if not ids:
        return facts
    labels: dict[int, list[str]] = defaultdict(list)
    for message_id, label in session.execute(current_flags(client_ids=ids)):
        labels[message_id].append(label)
    query = select(*FACT_COLUMNS).where(Message.client_id.in_(ids))
    for id_, client_id, occurred_at, direction, status, corrected, gap in session.execute(query):
        flagged = labels.get(id_)
        facts[cast(int, client_id)].append(  # the query reads these clients' mail only
            MessageFacts(
                id=id_,
                occurred_at=occurred_at,
                direction=direction,
                # most mail has neither flags nor a correction: skip the label sort for it
                labels=choose_labels(corrected, flagged or ()) if corrected or flagged else (),
                classified=status == MessageStatus.DONE or corrected is not None,
                reply_gap_seconds=gap,
            )
        )
    return facts


def load_facts(session: Session, client_id: int) -> list[MessageFacts]:
    """Every message of a client, reduced to what aggregation needs (two queries)."""
    return load_facts_many(session, [client_id])[client_id]


def save_risk(
    session: Session,
    client: Client,
    assessment: RiskAssessment,
    trend: list[int],
    facts: Sequence[MessageFacts],
) -> None:
    """Store a client's assessed risk with its reasons and weekly trend, and its contact dates
    (the ranked list reads these columns: one query however much mail there is)."""
    client.risk_level = assessment.level.value
    client.risk_rank = RISK_RANK[assessment.level]
    client.risk_points = assessment.points
    client.risk_reasons = [reason.to_json() for reason in assessment.details]
    client.risk_trend = list(trend)
    client.risk_updated_at = utcnow()
    if facts:
        client.first_contact = min(f.occurred_at for f in facts)
        client.last_contact = max(f.occurred_at for f in facts)
