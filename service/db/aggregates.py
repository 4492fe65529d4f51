"""Per-client aggregation: counts and rates per label over time windows, trend, reply gaps,
contact dates and the risk level, always from *effective* labels (a reviewer's correction
replaces the model's labels; only flags of the release that last classified a message count).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from models.labels import LABELS
from service.config import Settings
from service.db.models import RISK_RANK, Client, Flag, Message, MessageStatus, utcnow
from service.db.risk import MessageFacts, RiskAssessment, assess, awaiting_reply_since, is_slow

WINDOWS: tuple[tuple[str, int | None], ...] = (("7d", 7), ("30d", 30), ("90d", 90), ("all", None))
TREND_DAYS = 30
TREND_STEP = 0.1
"""A change in the flagged share of at least this much between two 30-day periods is a trend."""


def current_flags(
    message_ids: Iterable[int] | None = None, client_id: int | None = None
) -> Select[tuple[int, str]]:
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


def refresh_client_risk(
    session: Session, client_id: int, settings: Settings, now: datetime | None = None
) -> RiskAssessment | None:
    """Recompute and store a client's risk (the ranked list reads the stored columns)."""
    client = session.get(Client, client_id)
    if client is None:
        return None
    facts = load_facts(session, client_id)
    result = assess(facts, now or utcnow(), settings)
    client.risk_level = result.level.value
    client.risk_rank = RISK_RANK[result.level]
    client.risk_points = result.points
    client.risk_updated_at = utcnow()
    if facts:
        client.first_contact = min(f.occurred_at for f in facts)
        client.last_contact = max(f.occurred_at for f in facts)
    return result


def refresh_clients(session: Session, client_ids: Iterable[int | None], settings: Settings) -> None:
    for client_id in {c for c in client_ids if c is not None}:
        refresh_client_risk(session, client_id, settings)


@dataclass
class WindowStats:
    messages: int
    classified: int
    counts: dict[str, int]
    rates: dict[str, float]


def window_stats(inbound: Sequence[MessageFacts], since: datetime | None) -> WindowStats:
    chosen = [f for f in inbound if since is None or f.occurred_at >= since]
    classified = [f for f in chosen if f.classified]
    counts = {label: sum(label in f.labels for f in classified) for label in LABELS}
    rates = {
        label: round(count / len(classified), 4) if classified else 0.0
        for label, count in counts.items()
    }
    return WindowStats(len(chosen), len(classified), counts, rates)


def _flagged_share(facts: Sequence[MessageFacts], start: datetime, end: datetime) -> float | None:
    chosen = [f for f in facts if f.classified and start <= f.occurred_at < end]
    if not chosen:
        return None
    return round(sum(bool(f.labels) for f in chosen) / len(chosen), 4)


def trend(inbound: Sequence[MessageFacts], now: datetime) -> dict[str, Any]:
    """Flagged share of the last 30 days against the 30 days before."""
    step = timedelta(days=TREND_DAYS)
    recent = _flagged_share(inbound, now - step, now + timedelta(days=1))
    previous = _flagged_share(inbound, now - 2 * step, now - step)
    direction = "unknown"
    if recent is not None and previous is not None:
        delta = recent - previous
        direction = (
            "worsening"
            if delta >= TREND_STEP
            else "improving"
            if delta <= -TREND_STEP
            else "stable"
        )
    elif recent is not None:
        direction = "new"
    return {
        "direction": direction,
        "recent_flagged_share": recent,
        "previous_flagged_share": previous,
        "period_days": TREND_DAYS,
    }


def reply_gaps(inbound: Sequence[MessageFacts], settings: Settings) -> dict[str, Any]:
    gaps = [f.reply_gap_seconds for f in inbound if f.reply_gap_seconds is not None]
    long_gap = settings.long_reply_gap_days * 86400
    return {
        "count": len(gaps),
        "median_seconds": int(statistics.median(gaps)) if gaps else None,
        "worst_seconds": max(gaps) if gaps else None,
        "long_gaps": sum(g > long_gap for g in gaps),
        "long_gap_threshold_days": settings.long_reply_gap_days,
    }


def client_summary(
    session: Session, client: Client, settings: Settings, now: datetime | None = None
) -> dict[str, Any]:
    """Everything ``GET /v1/clients/{id}`` shows, computed fresh from the stored messages."""
    now = now or utcnow()
    facts = load_facts(session, client.id)
    inbound = [f for f in facts if f.direction == "inbound"]
    risk = assess(facts, now, settings)
    windows = {
        name: window_stats(inbound, now - timedelta(days=days) if days else None).__dict__
        for name, days in WINDOWS
    }
    waiting = awaiting_reply_since(facts)
    long_gap = settings.long_reply_gap_days * 86400
    return {
        "message_count": len(inbound),
        "outbound_count": len(facts) - len(inbound),
        "pending_count": sum(not f.classified for f in inbound),
        "windows": windows,
        "trend": trend(inbound, now),
        "first_contact": min((f.occurred_at for f in facts), default=None),
        "last_contact": max((f.occurred_at for f in facts), default=None),
        "reply_gaps": reply_gaps(inbound, settings),
        "slow_messages": sum(is_slow(f, long_gap) for f in inbound),
        "awaiting_reply_since": waiting,
        "awaiting_reply_days": (now - waiting).days if waiting else None,
        "risk": {"level": risk.level.value, "points": risk.points, "reasons": risk.reasons},
    }
