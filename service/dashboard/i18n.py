"""Interface languages: gettext catalogs, the language a request gets, and per-locale formats.

The catalogs are Babel ``.po`` files under ``locales/`` -- the one source of truth, edited with
``pybabel extract/update`` (see README). They are compiled to ``.mo`` in memory on first use, so
there is no build step and no compiled file to keep in step. English is the source language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent, get_decimal_symbol
from babel.support import Translations
from babel.units import format_unit

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT_LOCALE = "en"
LOCALES: tuple[str, ...] = ("en", "ko", "ru", "tr")
ENDONYMS = {"en": "English", "ko": "한국어", "ru": "Русский", "tr": "Türkçe"}
"""Each language named in itself, so that anyone finds their own in the switcher."""


def N_(message: str) -> str:
    """Mark a module-level string for extraction; it is translated where it is shown."""
    return message


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a module-level plural pair for extraction (``-k Np_:1,2``); ``ngettext(*pair, n)``
    translates it where it is shown."""
    return singular, plural


@cache
def translations(locale: str) -> Translations:
    """The compiled catalog of ``locale`` (English: none needed, the source strings show)."""
    if locale == DEFAULT_LOCALE:
        return Translations(domain=DOMAIN)
    with (LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po").open("rb") as source:
        catalog = read_po(source, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def accepted_languages(header: str) -> list[str]:
    """Primary language subtags of an ``Accept-Language`` header, most preferred first."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            ranked.append((-quality, position, tag.split("-")[0].lower()))
    return [language for _, _, language in sorted(ranked)]


def choose_locale(remembered: str | None, accept_language: str | None) -> str:
    """The reader's choice if they made one, else the browser's preference, else English."""
    if remembered in LOCALES:
        return str(remembered)
    for language in accepted_languages(accept_language or ""):
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE


@cache
def _babel_locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _decimal_symbol(code: str) -> str:
    return get_decimal_symbol(_babel_locale(code))


@dataclass(frozen=True)
class Formats:
    """Dates, numbers and durations in the reader's locale and the dashboard's time zone.

    A page formats hundreds of numbers: the parsed locale is shared, and small integers and
    two-decimal scores take a short path that gives Babel's result without its pattern work.
    """

    locale: str
    zone: ZoneInfo

    @property
    def _babel(self) -> Locale:
        return _babel_locale(self.locale)

    def _local(self, value: dt.datetime) -> dt.datetime:
        return value.astimezone(self.zone)

    def date(self, value: dt.datetime | dt.date | None, style: str = "medium") -> str:
        if value is None:
            return "–"
        day = self._local(value).date() if isinstance(value, dt.datetime) else value
        return format_date(day, style, locale=self._babel)

    def datetime(self, value: dt.datetime | None) -> str:
        """Date and time of day, e.g. "Dec 4, 2026 7:11 PM" / "4 дек. 2026 г. 19:11"."""
        if value is None:
            return "–"
        local = self._local(value)
        return f"{self.date(local)} {format_time(local, 'short', locale=self._babel)}"

    def day_month(self, value: dt.datetime) -> str:
        """A short axis label: "Dec 4", "12월 4일", "4 дек."."""
        return format_skeleton("MMMd", self._local(value), locale=self._babel)

    def iso(self, value: dt.datetime) -> str:
        """Machine-readable moment for ``<time datetime>``."""
        return self._local(value).isoformat(timespec="minutes")

    def language(self, code: str) -> str:
        """A language's name in the reader's language ("Korean", "корейский")."""
        return self._babel.languages.get(code, code)

    def number(self, value: float | int) -> str:
        if isinstance(value, int) and -1000 < value < 1000:
            return str(value)  # no grouping below a thousand, Latin digits in all four
        return format_decimal(value, locale=self._babel)

    def percent(self, value: float) -> str:
        return format_percent(value, locale=self._babel)

    def score(self, value: float) -> str:
        """A model score (0-1) with two decimals, in the locale's notation."""
        return f"{value:.2f}".replace(".", _decimal_symbol(self.locale))

    def duration(self, seconds: float | None) -> str:
        """Reply gaps and waiting times in days (hours, minutes when shorter): a week and two
        days is "9 days", not a rounded "1 week"."""
        if seconds is None:
            return "–"
        for unit, size in (("duration-day", 86400), ("duration-hour", 3600)):
            if seconds >= 2 * size or (unit == "duration-hour" and seconds >= size):
                return format_unit(round(seconds / size), unit, locale=self._babel)
        return format_unit(max(1, round(seconds / 60)), "duration-minute", locale=self._babel)
