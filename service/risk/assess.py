"""Risk level of a client relationship, with its reasons in words (rules: :mod:`.policy`).

A label seen ``risk_repeat_count`` times, or ``risk_amber_points`` accumulating signals in all,
is amber; ``risk_red_points`` signals is red; any immediate-red label is red. Only the last
``risk_window_days`` count, so a relationship can recover.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

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


@dataclass(frozen=True)
class Reason:
    """One reason as data: ``code`` names the rule that fired, ``values`` its figures.

    The API shows :func:`describe`'s English sentence; the dashboard words the same data in the
    reader's language, so the rules live here once and only the wording is per language.
    Codes: ``immediate`` (label, count, days, latest), ``signal`` (label, count, days,
    repeated), ``silence`` (since, days), and the closing verdict: ``red_immediate`` (labels),
    ``red_points`` / ``amber_points`` (points, red_from), ``green_isolated`` (amber_from),
    ``green_clear`` (days).
    """

    code: str
    values: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready (dates as ISO strings): clients store their reasons with their level."""
        values = {k: v.isoformat() if isinstance(v, date) else v for k, v in self.values.items()}
        return {"code": self.code, "values": values}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Reason:
        values = dict(data.get("values", {}))
        for key in DATE_VALUES & values.keys():
            values[key] = date.fromisoformat(values[key])
        return cls(str(data["code"]), values)


DATE_VALUES = frozenset({"latest", "since"})
"""Reason values that are dates."""


@dataclass
class RiskAssessment:
    level: RiskLevel
    points: int
    details: list[Reason] = field(default_factory=list)
    signals: dict[str, int] = field(default_factory=dict)
    """Messages per label in the window (timing counted into the timing label)."""

    @property
    def reasons(self) -> list[str]:
        """The reasons in English sentences (the API's ``risk.reasons``)."""
        return [describe(reason) for reason in self.details]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def describe(reason: Reason) -> str:
    """An English sentence for a reason."""
    v = reason.values
    window = f"in the last {v.get('days')} days"
    if reason.code == "immediate":
        words = POLICY[v["label"]].words
        return (
            f"{words} in {_plural(v['count'], 'message')} {window} "
            f"(latest {v['latest'].isoformat()}): any {words} is an immediate red"
        )
    if reason.code == "signal":
        repeated = "repeated " if v["repeated"] else ""
        words = POLICY[v["label"]].words
        return f"{repeated}{words}: {_plural(v['count'], 'message')} {window}"
    if reason.code == "silence":
        return f"has not answered our message of {v['since'].isoformat()} for {v['days']} days"
    if reason.code == "red_immediate":
        return "red: " + " and ".join(POLICY[label].words for label in v["labels"])
    verdicts = {
        "red_points": "red: {points} accumulated signals (red from {red_from})",
        "amber_points": "amber: {points} accumulated signals (red from {red_from})",
        "green_isolated": "green: isolated signals only (amber from {amber_from})",
        "green_clear": "green: no warning signs in the last {days} days",
    }
    return verdicts[reason.code].format(**v)


def has_signal(fact: MessageFacts, label: str, long_gap_seconds: float) -> bool:
    """The message carries ``label``, or (for the timing label) came after a long gap."""
    if label in fact.labels:
        return True
    gap = fact.reply_gap_seconds
    return POLICY[label].timing and gap is not None and gap > long_gap_seconds


def is_slow(fact: MessageFacts, long_gap_seconds: float) -> bool:
    return has_signal(fact, TIMING_LABEL, long_gap_seconds)


def signal_count(fact: MessageFacts, long_gap_seconds: float) -> int:
    """How many risk signals one message carries (what :func:`assess` adds up per label; the
    dashboard's weekly trend counts it)."""
    return sum(has_signal(fact, label, long_gap_seconds) for label in POLICY)


def awaiting_reply_since(facts: Sequence[MessageFacts]) -> datetime | None:
    """When our last message went out, if the client has not written since."""
    if not facts:
        return None
    last = max(facts, key=lambda f: f.occurred_at)
    return last.occurred_at if last.direction == "outbound" else None


def assess(facts: Sequence[MessageFacts], now: datetime, settings: Settings) -> RiskAssessment:
    """Level, points and reasons from a client's messages (any order)."""
    days = settings.risk_window_days
    long_gap = settings.long_reply_gap_days * 86400
    recent = [
        f for f in facts if f.direction == "inbound" and f.occurred_at >= now - timedelta(days=days)
    ]
    signals = {label: sum(has_signal(f, label, long_gap) for f in recent) for label in POLICY}
    details: list[Reason] = []
    for label in IMMEDIATE:
        if signals[label]:
            latest = max(f.occurred_at for f in recent if label in f.labels).date()
            values = {"label": label, "count": signals[label], "days": days, "latest": latest}
            details.append(Reason("immediate", values))
    for label in ACCUMULATING:
        if signals[label]:
            repeated = signals[label] >= settings.risk_repeat_count
            values = {"label": label, "count": signals[label], "days": days, "repeated": repeated}
            details.append(Reason("signal", values))
    waiting = awaiting_reply_since(facts)
    if waiting is not None and (now - waiting).total_seconds() > long_gap:
        signals[TIMING_LABEL] += 1  # silence is slowness too, counted once
        details.append(Reason("silence", {"since": waiting.date(), "days": (now - waiting).days}))
    points = sum(signals[label] for label in ACCUMULATING)
    immediate = [label for label in IMMEDIATE if signals[label]]
    level = _level(signals, points, bool(immediate), settings)
    details.append(_verdict(level, immediate, points, days, settings))
    return RiskAssessment(level, points + sum(signals[lab] for lab in immediate), details, signals)


def _verdict(
    level: RiskLevel, immediate: list[str], points: int, days: int, settings: Settings
) -> Reason:
    """The closing reason: why this level and not the next."""
    if level == RiskLevel.RED and immediate:
        return Reason("red_immediate", {"labels": immediate})
    if level in (RiskLevel.RED, RiskLevel.AMBER):
        code = "red_points" if level == RiskLevel.RED else "amber_points"
        return Reason(code, {"points": points, "red_from": settings.risk_red_points})
    if points:
        return Reason("green_isolated", {"amber_from": settings.risk_amber_points})
    return Reason("green_clear", {"days": days})


def _level(signals: dict[str, int], points: int, immediate: bool, settings: Settings) -> RiskLevel:
    if immediate or points >= settings.risk_red_points:
        return RiskLevel.RED
    repeated = any(signals[label] >= settings.risk_repeat_count for label in ACCUMULATING)
    if repeated or points >= settings.risk_amber_points:
        return RiskLevel.AMBER
    return RiskLevel.GREEN
