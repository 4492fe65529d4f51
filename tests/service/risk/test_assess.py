"""Risk levels and their reasons: abuse is red at once; the rest accumulates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.config import Settings
from service.risk.assess import MessageFacts, assess
from service.risk.policy import RiskLevel

NOW = datetime(2026, 6, 1, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)


def fact(i: int, *labels: str, days_ago: float = 1, gap_days: float | None = None,
         direction: str = "inbound") -> MessageFacts:  # fmt: skip
    return MessageFacts(
        id=i,
        occurred_at=NOW - timedelta(days=days_ago),
        direction=direction,
        labels=labels,
        classified=True,
        reply_gap_seconds=None if gap_days is None else int(gap_days * 86400),
    )


def test_clean_client_is_green() -> None:
    result = assess([fact(1), fact(2)], NOW, SETTINGS)
    assert result.level == RiskLevel.GREEN and result.points == 0
    assert result.reasons == ["green: no warning signs in the last 90 days"]


def test_one_abusive_message_is_red_immediately() -> None:
    result = assess([fact(1), fact(2, "abuse", days_ago=3)], NOW, SETTINGS)
    assert result.level == RiskLevel.RED
    assert result.reasons[0].startswith(
        "abuse in 1 message in the last 90 days (latest 2026-05-29)"
    )


def test_single_signal_stays_green_repeated_goes_amber_then_red() -> None:
    assert assess([fact(1, "pessimism")], NOW, SETTINGS).level == RiskLevel.GREEN
    amber = assess([fact(1, "pessimism"), fact(2, "pessimism")], NOW, SETTINGS)
    assert amber.level == RiskLevel.AMBER
    assert "repeated pessimism: 2 messages in the last 90 days" in amber.reasons
    mixed = [fact(1, "pessimism"), fact(2, "unreasonable_demand"), fact(3, "slow_response")]
    assert assess(mixed, NOW, SETTINGS).level == RiskLevel.AMBER  # 3 points
    many = [fact(i, "pessimism", "unreasonable_demand") for i in range(3)]
    red = assess(many, NOW, SETTINGS)
    assert red.level == RiskLevel.RED and red.points == 6
    assert red.reasons[-1] == "red: 6 accumulated signals (red from 6)"


def test_long_reply_gaps_and_silence_count_as_slowness() -> None:
    slow = [fact(1, gap_days=9), fact(2, gap_days=12)]
    result = assess(slow, NOW, SETTINGS)
    assert result.level == RiskLevel.AMBER
    assert "repeated slow responses: 2 messages in the last 90 days" in result.reasons
    waiting = [fact(1, gap_days=9, days_ago=20), fact(2, days_ago=10, direction="outbound")]
    result = assess(waiting, NOW, SETTINGS)
    assert result.level == RiskLevel.AMBER and result.signals["slow_response"] == 2
    assert any(
        "has not answered our message of 2026-05-22 for 10 days" in r for r in result.reasons
    )


def test_old_signals_age_out() -> None:
    old = [fact(i, "abuse", days_ago=120) for i in range(3)]
    assert assess(old, NOW, SETTINGS).level == RiskLevel.GREEN
