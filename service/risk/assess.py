"""Risk level of a client relationship, with its reasons in words (rules: :mod:`.policy`).

A label seen ``risk_repeat_count`` times, or ``risk_amber_points`` accumulating signals in all,
is amber; ``risk_red_points`` signals is red; any immediate-red label is red. Only the last
``risk_window_days`` count, so a relationship can recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from service.config import Settings
from service.risk.policy import ACCUMULATING, IMMEDIATE, POLICY, TIMING_LABEL, RiskLevel


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
    """Messages per label in the window (timing counted into the timing label)."""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def has_signal(fact: MessageFacts, label: str, long_gap_seconds: float) -> bool:
    """The message carries ``label``, or (for the timing label) came after a long gap."""
    if label in fact.labels:
        return True
    gap = fact.reply_gap_seconds
    return POLICY[label].timing and gap is not None and gap > long_gap_seconds


def is_slow(fact: MessageFacts, long_gap_seconds: float) -> bool:
    return has_signal(fact, TIMING_LABEL, long_gap_seconds)


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
    signals = {label: sum(has_signal(f, label, long_gap) for f in recent) for label in POLICY}
    reasons: list[str] = []
    for label in IMMEDIATE:
        if signals[label]:
            latest = max(f.occurred_at for f in recent if label in f.labels)
            reasons.append(
                f"{POLICY[label].words} in {_plural(signals[label], 'message')} {window} "
                f"(latest {latest.date().isoformat()}): any {POLICY[label].words} is an "
                "immediate red"
            )
    for label in ACCUMULATING:
        if signals[label]:
            repeated = "repeated " if signals[label] >= settings.risk_repeat_count else ""
            words = POLICY[label].words
            reasons.append(f"{repeated}{words}: {_plural(signals[label], 'message')} {window}")
    waiting = awaiting_reply_since(facts)
    if waiting is not None and (now - waiting).total_seconds() > long_gap:
        signals[TIMING_LABEL] += 1  # silence is slowness too, counted once
        reasons.append(
            f"has not answered our message of {waiting.date().isoformat()} "
            f"for {(now - waiting).days} days"
        )
    points = sum(signals[label] for label in ACCUMULATING)
    immediate = [label for label in IMMEDIATE if signals[label]]
    level = _level(signals, points, bool(immediate), settings)
    reasons.append(_verdict(level, immediate, points, window, settings))
    return RiskAssessment(level, points + sum(signals[lab] for lab in immediate), reasons, signals)


def _verdict(
    level: RiskLevel, immediate: list[str], points: int, window: str, settings: Settings
) -> str:
    """The closing sentence: why this level and not the next."""
    if level == RiskLevel.RED and immediate:
        return "red: " + " and ".join(POLICY[label].words for label in immediate)
    if level == RiskLevel.RED:
        return f"red: {points} accumulated signals (red from {settings.risk_red_points})"
    if level == RiskLevel.AMBER:
        return f"amber: {points} accumulated signals (red from {settings.risk_red_points})"
    if points:
        return f"green: isolated signals only (amber from {settings.risk_amber_points})"
    return f"green: no warning signs {window}"


def _level(signals: dict[str, int], points: int, immediate: bool, settings: Settings) -> RiskLevel:
    if immediate or points >= settings.risk_red_points:
        return RiskLevel.RED
    repeated = any(signals[label] >= settings.risk_repeat_count for label in ACCUMULATING)
    if repeated or points >= settings.risk_amber_points:
        return RiskLevel.AMBER
    return RiskLevel.GREEN
