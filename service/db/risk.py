"""Risk level of a client relationship, with its reasons in words.

The advice behind the product: abuse is never "one bad day" -- any abusive message puts the
client at red at once. Pessimism, unreasonable demands and slowness are each forgivable alone;
it is their repetition that wears a relationship down, so they add up: a label seen
``risk_repeat_count`` times, or ``risk_amber_points`` signals in all, is amber; ``risk_red_points``
signals is red. Slowness is the model's ``slow_response`` *or* a reply that took longer than
``long_reply_gap_days`` (timing is evidence the text may not show), plus a client who has not
answered our last message for that long. Only the last ``risk_window_days`` count, so a
relationship can recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.config import Settings
from service.db.models import RiskLevel

ABUSE = "abuse"
SLOWNESS = "slowness"
ACCUMULATING = {
    "pessimism": "pessimism",
    "unreasonable_demand": "unreasonable demands",
    SLOWNESS: "slow responses",
}
"""Signals that accumulate, with the words used for them in reasons."""


@dataclass(frozen=True)
class MessageFacts:
    """What risk and aggregates need to know about one stored message."""

    id: int
    occurred_at: datetime
    direction: str
    labels: tuple[str, ...]
    """Effective labels: the reviewer's correction if any, else the current release's flags."""
    classified: bool
    reply_gap_seconds: int | None = None


@dataclass
class RiskAssessment:
    level: RiskLevel
    points: int
    reasons: list[str] = field(default_factory=list)
    signals: dict[str, int] = field(default_factory=dict)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def is_slow(fact: MessageFacts, long_gap_seconds: float) -> bool:
    gap = fact.reply_gap_seconds
    return "slow_response" in fact.labels or (gap is not None and gap > long_gap_seconds)


def awaiting_reply_since(facts: Sequence[MessageFacts]) -> datetime | None:
    """When our last message went out, if the client has not written since."""
    if not facts:
        return None
    last = max(facts, key=lambda f: f.occurred_at)
    return last.occurred_at if last.direction == "outbound" else None


def assess(facts: Sequence[MessageFacts], now: datetime, settings: Settings) -> RiskAssessment:
    """Level, points and reasons from a client's messages (any order)."""
    days = settings.risk_window_days
    window = f"in the last {days} days"
    long_gap = settings.long_reply_gap_days * 86400
    recent = [
        f for f in facts if f.direction == "inbound" and f.occurred_at >= now - timedelta(days=days)
    ]
    signals = {
        ABUSE: sum(ABUSE in f.labels for f in recent),
        "pessimism": sum("pessimism" in f.labels for f in recent),
        "unreasonable_demand": sum("unreasonable_demand" in f.labels for f in recent),
        SLOWNESS: sum(is_slow(f, long_gap) for f in recent),
    }
    reasons: list[str] = []
    if signals[ABUSE]:
        latest = max(f.occurred_at for f in recent if ABUSE in f.labels)
        reasons.append(
            f"abuse in {_plural(signals[ABUSE], 'message')} {window} "
            f"(latest {latest.date().isoformat()}): any abuse is an immediate red"
        )
    for key, words in ACCUMULATING.items():
        if signals[key]:
            repeated = "repeated " if signals[key] >= settings.risk_repeat_count else ""
            reasons.append(f"{repeated}{words}: {_plural(signals[key], 'message')} {window}")
    waiting = awaiting_reply_since(facts)
    if waiting is not None and (now - waiting).total_seconds() > long_gap:
        signals[SLOWNESS] += 1  # silence is slowness too, counted once
        reasons.append(
            f"has not answered our message of {waiting.date().isoformat()} "
            f"for {(now - waiting).days} days"
        )
    points = sum(signals[key] for key in ACCUMULATING)
    level = _level(signals, points, settings)
    reasons.append(_verdict(level, signals[ABUSE], points, window, settings))
    return RiskAssessment(level, points + signals[ABUSE], reasons, signals)


def _verdict(level: RiskLevel, abuse: int, points: int, window: str, settings: Settings) -> str:
    """The closing sentence: why this level and not the next."""
    if level == RiskLevel.RED and abuse:
        return "red: abusive behaviour"
    if level == RiskLevel.RED:
        return f"red: {points} accumulated signals (red from {settings.risk_red_points})"
    if level == RiskLevel.AMBER:
        return f"amber: {points} accumulated signals (red from {settings.risk_red_points})"
    if points:
        return f"green: isolated signals only (amber from {settings.risk_amber_points})"
    return f"green: no warning signs {window}"


def _level(signals: dict[str, int], points: int, settings: Settings) -> RiskLevel:
    if signals[ABUSE] or points >= settings.risk_red_points:
        return RiskLevel.RED
    repeated = any(signals[key] >= settings.risk_repeat_count for key in ACCUMULATING)
    if repeated or points >= settings.risk_amber_points:
        return RiskLevel.AMBER
    return RiskLevel.GREEN
