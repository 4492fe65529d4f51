"""Risk over stored mail: read a client's facts from storage, assess, persist the result.

Every writer that changes what a client's risk depends on calls this in its transaction: the
worker after classifying, a reviewer's correction, an address or domain moved between clients.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.config import Settings
from service.db.facts import load_facts, save_risk
from service.db.feedback import record_feedback
from service.db.models import Client, Feedback, Message, utcnow
from service.risk.assess import MessageFacts, RiskAssessment
from service.risk.summary import assess_with_trend, summarize


def refresh_client_risk(
    session: Session, client_id: int, settings: Settings, now: datetime | None = None
) -> RiskAssessment | None:
    """Recompute and store a client's risk."""
    client = session.get(Client, client_id)
    if client is None:
        return None
    facts = load_facts(session, client_id)
    result, trend = assess_with_trend(facts, now or utcnow(), settings)
    save_risk(session, client, result, trend, facts)
    return result


def refresh_clients(session: Session, client_ids: Iterable[int | None], settings: Settings) -> None:
    for client_id in {c for c in client_ids if c is not None}:
        refresh_client_risk(session, client_id, settings)


def client_summary(
    session: Session,
    client: Client,
    settings: Settings,
    now: datetime | None = None,
    facts: Sequence[MessageFacts] | None = None,
) -> dict[str, Any]:
    """The client page's numbers, computed fresh from the stored messages (``facts``: the
    client's, when the caller has loaded them already)."""
    facts = load_facts(session, client.id) if facts is None else facts
    return summarize(facts, now or utcnow(), settings)


def record_correction(
    session: Session,
    message: Message,
    labels: Sequence[str],
    settings: Settings,
    *,
    reviewer: str = "",
    note: str = "",
) -> Feedback:
    """Store a reviewer's labels; the client's risk follows them in the same transaction."""
    entry = record_feedback(session, message, labels, reviewer=reviewer, note=note)
    if message.client_id is not None:
        refresh_client_risk(session, message.client_id, settings)
    return entry
