"""Attribution dates in four languages and the reply gap derived from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.mail.message import NormalizedMessage
from service.mail.timing import parse_attribution_date, reply_gap_seconds

KST = timezone(timedelta(hours=9))
MSK = timezone(timedelta(hours=3))
EST = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("text", "dayfirst", "expected"),
    [
        # Gmail en, with the narrow no-break space before AM/PM
        ("Mon, Nov 3, 2025 at 9:41\u202fAM John Doe <j@x.com>", False, (2025, 11, 3, 9, 41)),
        ("Mon, Nov 3, 2025 at 9:41\u202fPM John Doe <j@x.com>", False, (2025, 11, 3, 21, 41)),
        ("Monday, November 3, 2025 12:05 AM", False, (2025, 11, 3, 0, 5)),
        ("Monday, November 3, 2025 12:05 PM", False, (2025, 11, 3, 12, 5)),
        ("3 Nov 2025, at 09:41, John <j@x>", False, (2025, 11, 3, 9, 41)),
        ("11/3/25, 9:41 PM", False, (2025, 11, 3, 21, 41)),
        ("03.11.2025 09:41, John", False, (2025, 11, 3, 9, 41)),
        # Korean: half-day before the time, 12 o'clock edge cases, 시/분/초
        ("2025년 11월 3일 (월) 오전 9:41, 홍길동 <a@b.kr>", True, (2025, 11, 3, 9, 41)),
        ("2025년 11월 3일 (월) 오후 9:41, 홍길동 <a@b.kr>", True, (2025, 11, 3, 21, 41)),
        ("2025. 11. 3. 오전 12:41", True, (2025, 11, 3, 0, 41)),
        ("2025. 11. 3. 오후 12:41", True, (2025, 11, 3, 12, 41)),
        ("2025-11-03 오후 3:05에 윤서연", True, (2025, 11, 3, 15, 5)),
        # Russian: abbreviated and genitive months, "г.", weekday abbreviations
        ("пн, 3 нояб. 2025 г. в 09:41", True, (2025, 11, 3, 9, 41)),
        ("3 ноября 2025 г. 9:41", True, (2025, 11, 3, 9, 41)),
        ("чт, 1 мая 2025 г. в 18:00", True, (2025, 5, 1, 18, 0)),
        ("03.11.2025, 09:41", True, (2025, 11, 3, 9, 41)),
        # Turkish
        ("3 Kas 2025 Pzt, 09:41", True, (2025, 11, 3, 9, 41)),
        ("3 Kasım 2025 Pazartesi 09:41", True, (2025, 11, 3, 9, 41)),
        ("14 Şubat 2025 Cuma 16:30", True, (2025, 2, 14, 16, 30)),
        ("3 Ağu 2025 tarihinde 09:41 saatinde, Ali", True, (2025, 8, 3, 9, 41)),
        ("03/11/2025 09:41", True, (2025, 11, 3, 9, 41)),
    ],
)
def test_localized_dates_assume_the_reply_zone(
    text: str, dayfirst: bool, expected: tuple[int, ...]
) -> None:
    parsed = parse_attribution_date(text, KST, dayfirst=dayfirst)
    assert parsed == datetime(*expected, tzinfo=KST)


@pytest.mark.parametrize(
    ("text", "offset_minutes"),
    [
        ("Понедельник, 3 ноября 2025, 9:41 +03:00", 180),
        ("2025-11-03 (월) 09:41:25 (GMT+09:00)", 540),
        ("Mon, 3 Nov 2025 09:41:00 -0500", -300),
        ("3 ноября 2025 г. 9:41 MSK", 180),
        ("Nov 3, 2025 9:41 AM PST", -480),
        ("2025년 11월 3일 월요일, 09시 41분 23초 +0900", 540),
    ],
)
def test_explicit_zone_wins_over_the_default(text: str, offset_minutes: int) -> None:
    parsed = parse_attribution_date(text, UTC)
    assert parsed is not None
    assert parsed.utcoffset() == timedelta(minutes=offset_minutes)
    assert (parsed.hour, parsed.minute) == (9, 41)


def test_seconds_are_kept() -> None:
    parsed = parse_attribution_date("2025-11-03 09:41:25", KST)
    assert parsed == datetime(2025, 11, 3, 9, 41, 25, tzinfo=KST)


def test_no_zone_and_no_default_is_utc() -> None:
    assert parse_attribution_date("03.11.2025 09:41") == datetime(2025, 11, 3, 9, 41, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "On Mon, Nov 3, 2025 John wrote",  # no time
        "at 9:41 AM John wrote",  # no date
        "31.02.2025 10:00",  # impossible date
        "2025-11-03 25:61",  # impossible time
        "",
    ],
)
def test_incomplete_or_impossible_dates_are_none(text: str) -> None:
    assert parse_attribution_date(text, KST) is None


def test_digits_in_addresses_are_not_dates() -> None:
    text = "Mon, Nov 3, 2025 at 9:41 AM Shop 2024 <orders-12.11.2024@shop.example>"
    assert parse_attribution_date(text, UTC, dayfirst=False) == datetime(
        2025, 11, 3, 9, 41, tzinfo=UTC
    )


def test_names_after_the_time_are_not_half_days() -> None:
    parsed = parse_attribution_date("03.11.2025 12:30, Amanda Smith", UTC)
    assert parsed is not None and parsed.hour == 12


def _message(date: datetime | None, quoted: datetime | None) -> NormalizedMessage:
    return NormalizedMessage(from_address="c@x.example", date=date, quoted_date=quoted)


def test_gap_from_quoted_date() -> None:
    message = _message(
        datetime(2025, 11, 3, 14, 12, 30, tzinfo=EST), datetime(2025, 11, 3, 9, 41, tzinfo=EST)
    )
    assert reply_gap_seconds(message) == 4 * 3600 + 31 * 60 + 30


def test_stored_answered_date_wins_over_the_quote() -> None:
    message = _message(
        datetime(2025, 11, 3, 12, 0, tzinfo=UTC), datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    )
    answered = datetime(2025, 11, 3, 11, 0, tzinfo=UTC)
    assert reply_gap_seconds(message, answered) == 3600


def test_gap_across_zones_and_naive_dates() -> None:
    message = _message(datetime(2025, 11, 3, 10, 0, tzinfo=KST), datetime(2025, 11, 3, 0, 30))
    assert reply_gap_seconds(message) == 30 * 60  # naive = UTC; 10:00 KST = 01:00 UTC


@pytest.mark.parametrize(
    ("date", "quoted", "expected"),
    [
        (None, datetime(2025, 11, 3, tzinfo=UTC), None),
        (datetime(2025, 11, 3, tzinfo=UTC), None, None),
        (datetime(2025, 11, 3, 9, 0, tzinfo=UTC), datetime(2025, 11, 3, 9, 2, tzinfo=UTC), 0),
        (datetime(2025, 11, 3, 9, 0, tzinfo=UTC), datetime(2025, 11, 4, 9, 0, tzinfo=UTC), None),
    ],
)
def test_unknown_or_negative_gaps(
    date: datetime | None, quoted: datetime | None, expected: int | None
) -> None:
    assert reply_gap_seconds(_message(date, quoted)) == expected
