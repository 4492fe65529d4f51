"""Thread timing: dates in quoted attribution lines and the reply gap.

How long a client took to answer is a relationship signal, and the quoted attribution
("On Mon, Nov 3, 2025 at 9:41 AM ... wrote:", "2025년 11월 3일 (월) 오전 9:41, ...") is
often the only record of when our own message was sent. Client UIs write those dates
in their own language and clock, so this is a small tolerant parser rather than
``strptime``: it looks for a date, a time, an optional AM/PM marker and an optional zone
anywhere in the text and ignores the sender name around them.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from service.mail.message import NormalizedMessage
from service.mail.patterns import KOREAN_AM, KOREAN_PM, LANGUAGES, ZONE_OFFSETS, all_months

MONTHS = all_months()
_AM_WORDS = tuple(word for lang in LANGUAGES.values() for word in lang.am)
_PM_WORDS = tuple(word for lang in LANGUAGES.values() for word in lang.pm)
_AM_AFTER = re.compile(r"\s*(?:" + "|".join(map(re.escape, _AM_WORDS)) + r")(?![^\W\d_])")
_PM_AFTER = re.compile(r"\s*(?:" + "|".join(map(re.escape, _PM_WORDS)) + r")(?![^\W\d_])")
_AM_BEFORE = (*KOREAN_AM, *LANGUAGES["tr"].am)
_PM_BEFORE = (*KOREAN_PM, *LANGUAGES["tr"].pm)
"""Korean and Turkish write the half-day before the time ("오후 3:05", "ÖS 3:05")."""

CLOCK_SKEW_SECONDS = 300
"""Negative gaps up to this size are clock skew between servers and count as 0."""

_NOISE = re.compile(r"<[^<>]*>|\"[^\"]*\"|\S+@\S+")
"""Addresses and quoted display names: they may hold digits that look like dates."""

_TIME = re.compile(
    r"(?<![\d:.])(?P<h>\d{1,2})\s*(?::|시|\.(?=\d{2}(?![\d.])))\s*(?P<m>\d{2})"
    r"(?:\s*(?::|분)\s*(?P<s>\d{2}))?(?:\s*[분초])?(?![\d])"
)
"""A clock time: "9:41", "09:41:12", "오후 3시 5분", and Yandex's dotted "18.30" (never the
"30.09" of a date, which a further ".2017" follows)."""
_ZONE = re.compile(
    r"[\s,()]*(?:(?:gmt|utc)\s*(?P<gsign>[+-])\s*(?P<ghh>\d{1,2})(?::?(?P<gmm>\d{2}))?"
    r"|(?P<sign>[+-])(?P<hh>\d{2}):?(?P<mm>\d{2})"
    r"|(?P<abbr>[a-z]{1,4})\b)"
)
_KO_YMD = re.compile(r"(?P<y>\d{4})\s*년\s*(?P<m>\d{1,2})\s*월\s*(?P<d>\d{1,2})\s*일")
_YMD = re.compile(r"(?<!\d)(?P<y>\d{4})\s*[-./]\s*(?P<m>\d{1,2})\s*[-./]\s*(?P<d>\d{1,2})(?!\d)")
_DMY_NAME = re.compile(
    r"(?<!\d)(?P<d>\d{1,2})(?:st|nd|rd|th)?\.?[\s-]+(?P<mon>[^\W\d_]{3,})\.?,?[\s-]+(?P<y>\d{4})"
    r"(?!\d)"
)
_MDY_NAME = re.compile(
    r"(?P<mon>[^\W\d_]{3,})\.?\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<y>\d{4})(?!\d)"
)
_NUMERIC = re.compile(
    r"(?<![\d.])(?P<a>\d{1,2})\s*(?P<sep>[./-])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4}|\d{2})(?!\d)"
)


def parse_attribution_date(
    text: str, default_tz: tzinfo | None = None, *, dayfirst: bool = True
) -> datetime | None:
    """Date and time written in an attribution line or an Outlook ``Sent:`` value.

    ``default_tz`` is the zone to assume when the line names none (the reply's own zone:
    clients print local time); UTC when that is unknown too. ``dayfirst`` settles
    "03/11/2025" (False for US-English clients). Returns None without both a date and a
    clock time, because a date alone would make the gap wrong by up to a day.
    """
    cleaned = _NOISE.sub(" ", text.replace("\u202f", " ").replace("\xa0", " ")).lower()
    time_match = next(
        (m for m in _TIME.finditer(cleaned) if int(m["h"]) < 24 and int(m["m"]) < 60), None
    )
    if time_match is None:
        return None
    day = _find_day(cleaned[: time_match.start()] + " " + cleaned[time_match.end() :], dayfirst)
    if day is None:
        return None
    hour = _hour_24(int(time_match["h"]), cleaned, time_match)
    zone = _find_zone(cleaned[time_match.end() :]) or default_tz or UTC
    try:
        return datetime(
            day[0], day[1], day[2], hour, int(time_match["m"]), int(time_match["s"] or 0),
            tzinfo=zone,
        )  # fmt: skip
    except ValueError:
        return None


def _find_day(text: str, dayfirst: bool) -> tuple[int, int, int] | None:
    """(year, month, day) from the first date shape found, or None."""
    for pattern in (_KO_YMD, _YMD):
        match = pattern.search(text)
        if match:
            return int(match["y"]), int(match["m"]), int(match["d"])
    for pattern in (_DMY_NAME, _MDY_NAME):
        for match in pattern.finditer(text):
            month = _month(match["mon"])
            if month:
                return int(match["y"]), month, int(match["d"])
    match = _NUMERIC.search(text)
    if match is None:
        return None
    first, second = int(match["a"]), int(match["b"])
    if (match["sep"] == "/" and not dayfirst and first <= 12) or first <= 12 < second:
        first, second = second, first
    year = int(match["y"])
    return (year + 2000 if year < 100 else year), second, first


def _month(word: str) -> int | None:
    """Month number of a localized (possibly abbreviated or inflected) month name."""
    return MONTHS.get(word[:3])


def _hour_24(hour: int, text: str, match: re.Match[str]) -> int:
    """Apply an AM/PM marker written after the time (en, tr) or before it (ko 오전/오후)."""
    before = text[max(0, match.start() - 8) : match.start()].rstrip()
    if hour > 12:
        return hour  # "17:32 PM": a 24-hour clock with a stray marker
    if _PM_AFTER.match(text, match.end()) or before.endswith(_PM_BEFORE):
        return hour if hour == 12 else hour + 12
    if _AM_AFTER.match(text, match.end()) or before.endswith(_AM_BEFORE):
        return 0 if hour == 12 else hour
    return hour


def _find_zone(text: str) -> tzinfo | None:
    """Zone written right after the time: "+0300", "(GMT+09:00)", "GMT +3", "MSK"."""
    half_day = _AM_AFTER.match(text) or _PM_AFTER.match(text)
    match = _ZONE.match(text, half_day.end() if half_day else 0)
    if match is None:
        return None
    if match["abbr"]:
        minutes = ZONE_OFFSETS.get(match["abbr"])
        return None if minutes is None else timezone(timedelta(minutes=minutes))
    sign, hours, mins = (
        (match["gsign"], match["ghh"], match["gmm"])
        if match["gsign"]
        else (match["sign"], match["hh"], match["mm"])
    )
    minutes = int(hours) * 60 + int(mins or 0)
    if minutes > 14 * 60:
        return None
    return timezone(timedelta(minutes=-minutes if sign == "-" else minutes))


def _aware(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC so that they can be compared with aware ones."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def reply_gap_seconds(
    message: NormalizedMessage, answered_date: datetime | None = None
) -> int | None:
    """Seconds between the message being answered and this reply.

    ``answered_date`` is the stored date of the earlier message when the thread is known
    (most reliable); otherwise the date read from the quoted attribution is used. None
    when either end is unknown, or when the gap is clearly negative (a misread date
    rather than a fact worth scoring).
    """
    start = answered_date or message.quoted_date
    if start is None or message.date is None:
        return None
    gap = (_aware(message.date) - _aware(start)).total_seconds()
    if gap < -CLOCK_SKEW_SECONDS:
        return None
    return max(0, round(gap))
