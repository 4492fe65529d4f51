"""A client's history in numbers: counts and rates per label over time windows, the trend of
the flagged share, reply gaps, contact dates and the risk level with its reasons."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from models.labels import LABELS
from service.config import Settings
from service.risk.assess import (
    MessageFacts,
    RiskAssessment,
    assess,
    awaiting_reply_since,
    is_slow,
    signal_count,
)

WINDOWS: tuple[tuple[str, int | None], ...] = (("7d", 7), ("30d", 30), ("90d", 90), ("all", None))


TREND_DAYS = 30


TREND_STEP = 0.1
"""A change in the flagged share of at least this much between two 30-day periods is a trend."""


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


WEEK = timedelta(days=7)


def risk_weeks(settings: Settings) -> int:
    """Seven-day periods covering the risk window (the client list's trend)."""
    return math.ceil(settings.risk_window_days / 7)


def week_starts(now: datetime, weeks: int) -> list[datetime]:
    """Starts of the last ``weeks`` seven-day periods, oldest first; the last ends at ``now``."""
    return [now - (weeks - i) * WEEK for i in range(weeks)]


def _week_of(moment: datetime, now: datetime, weeks: int) -> int | None:
    """Index of the period ``moment`` falls in (mail dated slightly ahead counts as the last)."""
    index = weeks - 1 - int((now - moment) / WEEK) if moment <= now else weeks - 1
    return index if index >= 0 else None


def weekly_signals(
    inbound: Sequence[MessageFacts], now: datetime, weeks: int, settings: Settings
) -> list[int]:
    """Risk signals per seven-day period (the client list's small trend)."""
    counts = [0] * weeks
    long_gap = settings.long_reply_gap_days * 86400
    for fact in inbound:
        index = _week_of(fact.occurred_at, now, weeks)
        if index is not None:
            counts[index] += signal_count(fact, long_gap)
    return counts


def weekly_labels(
    inbound: Sequence[MessageFacts], now: datetime, weeks: int
) -> dict[str, list[int]]:
    """Messages per label per seven-day period (a client's timeline)."""
    counts = {label: [0] * weeks for label in LABELS}
    for fact in inbound:
        index = _week_of(fact.occurred_at, now, weeks)
        if index is not None:
            for label in fact.labels:
                counts[label][index] += 1
    return counts


def weekly_longest_gaps(
    inbound: Sequence[MessageFacts], now: datetime, weeks: int
) -> list[float | None]:
    """The slowest client reply (in days) per seven-day period; ``None``: no measured reply."""
    longest: list[float | None] = [None] * weeks
    for fact in inbound:
        index = _week_of(fact.occurred_at, now, weeks)
        if index is not None and fact.reply_gap_seconds is not None:
            days = fact.reply_gap_seconds / 86400
            longest[index] = max(days, longest[index] or 0.0)
    return longest


def assess_with_trend(
    facts: Sequence[MessageFacts], now: datetime, settings: Settings
) -> tuple[RiskAssessment, list[int]]:
    """The risk level with its reasons, and the signals per week over the risk window."""
    inbound = [f for f in facts if f.direction == "inbound"]
    trend = weekly_signals(inbound, now, risk_weeks(settings), settings)
    return assess(facts, now, settings), trend


def summarize(facts: Sequence[MessageFacts], now: datetime, settings: Settings) -> dict[str, Any]:
    """Everything a client page shows (``GET /v1/clients/{id}``), from its messages' facts."""
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
