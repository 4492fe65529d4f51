"""Per-language reply, quote and signature patterns, kept as data.

Mail clients announce quoted history in a handful of fixed shapes per UI language
("On <date>, <name> wrote:", Outlook "From:/Sent:" blocks, "-----Original Message-----")
and phones append fixed "Sent from" lines. Adding a client or a language means adding
rows here; :mod:`service.mail.clean` and :mod:`service.mail.timing` only combine them.

Conventions:

* Every regex is matched against one whole line (or two or three wrapped lines joined
  with a space) that has been stripped of surrounding white space; matching ignores case.
* Attribution regexes put the part holding the date and time in the group ``date``;
  the date parser tolerates the sender name that is often left inside it.
* Sign-off lines (``signoffs``) stay in the new text -- "Thanks," or "감사합니다." carries
  tone -- while the name/title/phone block *after* them becomes the signature.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LanguagePatterns:
    """Everything the cleaner and the date parser need to know about one UI language."""

    attributions: tuple[str, ...]
    """Attribution lines that open quoted history; group ``date`` holds the date part."""
    separators: tuple[str, ...] = ()
    """Lines that open quoted or forwarded history on their own."""
    header_from: tuple[str, ...] = ()
    """Outlook-style header block labels (no colon) meaning "From"."""
    header_date: tuple[str, ...] = ()
    """Header block labels whose value is the date the quoted mail was sent."""
    header_other: tuple[str, ...] = ()
    """Other header block labels (To, Cc, Subject)."""
    mobile_signatures: tuple[str, ...] = ()
    """Lines a phone or web client appends; they and everything after are signature."""
    signoffs: tuple[str, ...] = ()
    """Closing phrases; an optional name may follow on the same line (group ``name``)."""
    name_closings: tuple[str, ...] = ()
    """Lines that are themselves the start of a signature ("홍길동 드림")."""
    months: dict[str, int] = field(default_factory=dict)
    """Month name prefixes (lower case, first three letters unless ambiguous) -> month."""
    am: tuple[str, ...] = ()
    pm: tuple[str, ...] = ()


_NAME = r"(?:,\s*(?P<name>[^\W\d_]+(?:[\s.-]+[^\W\d_]+){0,2}))?"
"""Optional sender name after a sign-off on the same line ("Best regards, John Doe")."""

_WHEN = r"(?P<date>.*?\d{1,2}:\d{2}.*?)"
"""Date part that must hold a clock time: guards loose shapes against ordinary sentences."""

_ADDR_END = r".*<[^<>@\s]+@[^<>\s]+>\s*:"
"""Ends in "<addr@host>:" -- required where the attribution has no verb to anchor on."""

EN = LanguagePatterns(
    attributions=(
        # Gmail, Apple Mail, Thunderbird, Outlook for Mac:
        # "On Mon, Nov 3, 2025 at 9:41 AM John <j@x.com> wrote:", "On 03.11.2025 09:41, John wrote:"
        r"on\s+(?P<date>.*\d.*?)\s*wrote\s*:",
        # Thunderbird without "On": "03.11.2025 09:41, John Doe wrote:"
        r"(?=\d)" + _WHEN + r"\s*wrote\s*:",
    ),
    separators=(
        r"-{2,}\s*original message\s*-{2,}",
        r"-{2,}\s*forwarded message\s*-{2,}",
        r"begin forwarded message\s*:",
    ),
    header_from=("from",),
    header_date=("sent", "date"),
    header_other=("to", "cc", "subject"),
    mobile_signatures=(
        r"sent from my \w+.*",
        r"sent from (?:outlook|mail|yahoo mail|gmail)\b.*",
        r"get outlook for (?:ios|android)\b.*",
    ),
    signoffs=(
        r"(?:best|kind|warm|warmest|many)?\s*regards\s*[,.!]?" + _NAME,
        r"(?:best|all the best|best wishes|cheers|sincerely|yours sincerely|yours truly)\s*[,.!]?"
        + _NAME,
        r"(?:thanks|thank you|many thanks|thanks in advance|thanks again)\s*[,.!]?" + _NAME,
    ),
    months={
        "jan": 1,
        "feb": 2,
        "mar": 3,
        "apr": 4,
        "may": 5,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "oct": 10,
        "nov": 11,
        "dec": 12,
    },
    am=("am", "a.m."),
    pm=("pm", "p.m."),
)

KO = LanguagePatterns(
    attributions=(
        # Gmail: "2025년 11월 3일 (월) 오전 9:41, 홍길동 <a@b.kr>님이 작성:"
        # Apple Mail: "2025. 11. 3. 오전 9:41, 홍길동 <a@b.kr> 작성:"
        _WHEN + r"\s*(?:님이|님께서)?\s*작성(?:하였습니다|했습니다|함)?\s*:",
        # Thunderbird: "2025-11-03 오전 9:41에 홍길동 이(가) 쓴 글:"
        _WHEN + r"\s*쓴\s*글\s*:",
    ),
    separators=(
        r"-{2,}\s*원본\s*(?:메일|메시지|메세지)\s*-{2,}",
        r"-{2,}\s*전달된\s*(?:메일|메시지)\s*-{2,}",
    ),
    header_from=("보낸 사람", "보낸사람", "보낸이"),
    header_date=("보낸 날짜", "보낸날짜", "날짜", "받은 날짜"),
    header_other=("받는 사람", "받는사람", "참조", "제목"),
    mobile_signatures=(
        r".{0,30}에서\s*보냄\.?",
        r".{0,30}에서\s*보냈습니다\.?",
    ),
    signoffs=(
        r"(?:감사합니다|고맙습니다|감사드립니다|수고하세요|수고하십시오|잘 부탁드립니다)\s*[.!~^]*",
    ),
    name_closings=(r"\S{1,12}(?:\s\S{1,12}){0,2}\s*(?:드림|올림|배상)\.?",),
)

RU = LanguagePatterns(
    attributions=(
        # Gmail: "пн, 3 нояб. 2025 г. в 09:41, Иван <a@b.ru>:"
        r"(?P<date>(?:[а-я]{2},\s*)?\d{1,2}\s+[а-яё]+\.?\s+\d{4}\s*г\.(?:,?\s*в\s*\d{1,2}:\d{2})?)"
        + _ADDR_END,
        # Yandex: '03.11.2025, 09:41, "Иван" <a@ya.ru>:'
        r"(?P<date>\d{1,2}\.\d{1,2}\.\d{2,4},?\s+\d{1,2}:\d{2})," + _ADDR_END,
        # Mail.ru: "Понедельник, 3 ноября 2025, 9:41 +03:00 от Иван <a@mail.ru>:"
        _WHEN + r"\s+от\s+" + _ADDR_END,
        # Thunderbird: "03.11.2025 09:41, Иван пишет:"
        # Apple Mail: "3 нояб. 2025 г., в 09:41, Анна <a@b.ru> написал(а):"
        _WHEN + r"\s*(?:пишет|написал\(а\)|написала?)\s*:",
    ),
    separators=(
        r"-{2,}\s*(?:исходное|пересылаемое|перенаправленное)\s+(?:сообщение|письмо)\s*-{2,}",
        r"-{2,}\s*конец пересылаемого сообщения\s*-{2,}",
    ),
    header_from=("от",),
    header_date=("отправлено", "дата"),
    header_other=("кому", "копия", "тема"),
    mobile_signatures=(
        r"отправлено (?:с|из|со) .{1,60}",
        r"(?:послано|отправлено) с (?:моего|мобильного) .{1,40}",
    ),
    signoffs=(
        r"(?:с уважением|с наилучшими пожеланиями|всего доброго|всего хорошего|спасибо|"
        r"благодарю|заранее спасибо|с благодарностью)\s*[,.!]?" + _NAME,
    ),
    months={
        "янв": 1,
        "фев": 2,
        "мар": 3,
        "апр": 4,
        "май": 5,
        "мая": 5,
        "июн": 6,
        "июл": 7,
        "авг": 8,
        "сен": 9,
        "окт": 10,
        "ноя": 11,
        "дек": 12,
    },
)

TR = LanguagePatterns(
    attributions=(
        # Gmail: "3 Kas 2025 Pzt, 09:41 tarihinde Ali <a@b.com> şunu yazdı:"
        # Apple Mail: "3 Kas 2025 tarihinde 09:41 saatinde, Ali <a@b.com> şunları yazdı:"
        # Thunderbird: "03.11.2025 09:41 tarihinde Ali yazdı:"
        r"(?P<date>.*\d.*?\s+tarihinde\b.*?)\s*(?:şunu|şunları)?\s*yazdı\s*:",
        r"(?=\d)" + _WHEN + r"\s*(?:şunu|şunları)?\s*yazdı\s*:",
    ),
    separators=(
        r"-{2,}\s*(?:özgün|orijinal|asıl)\s+(?:ileti|mesaj)\s*-{2,}",
        r"-{2,}\s*(?:iletilen|iletilmiş)\s+(?:ileti|mesaj)\s*-{2,}",
    ),
    header_from=("kimden",),
    header_date=("gönderildi", "gönderilme", "tarih"),
    header_other=("kime", "bilgi", "konu"),
    mobile_signatures=(
        r".{1,40}['’]?(?:umdan|imden|ımdan|dan|den|tan|ten)\s+gönderildi\.?",
        r".{1,40}\s+(?:ile|için .{1,30}) gönderildi\.?",
    ),
    signoffs=(
        r"(?:saygılarımla|saygılarımızla|saygılar|iyi çalışmalar|teşekkürler|teşekkür ederim|"
        r"kolay gelsin|selamlar|iyi günler)\s*[,.!]?" + _NAME,
    ),
    months={
        "oca": 1,
        "şub": 2,
        "sub": 2,
        "mar": 3,
        "nis": 4,
        "may": 5,
        "haz": 6,
        "tem": 7,
        "ağu": 8,
        "agu": 8,
        "eyl": 9,
        "eki": 10,
        "kas": 11,
        "ara": 12,
    },
    am=("öö",),
    pm=("ös",),
)

LANGUAGES: dict[str, LanguagePatterns] = {"en": EN, "ko": KO, "ru": RU, "tr": TR}
"""The UI languages whose clients we recognise; order does not matter (patterns are unioned)."""

KOREAN_AM = ("오전",)
KOREAN_PM = ("오후",)
"""Korean writes the half-day *before* the time ("오후 3:05"); other languages after it."""

ZONE_OFFSETS: dict[str, int] = {
    "utc": 0, "gmt": 0, "z": 0, "bst": 60, "cet": 60, "cest": 120, "eet": 120, "eest": 180,
    "msk": 180, "trt": 180, "kst": 540, "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
}  # fmt: skip
"""Zone abbreviations seen in attribution lines -> offset in minutes east of UTC."""


def all_patterns(attribute: str) -> tuple[str, ...]:
    """Union of one tuple-valued attribute over every language, in a stable order."""
    return tuple(item for lang in LANGUAGES.values() for item in getattr(lang, attribute))


def all_months() -> dict[str, int]:
    """Month prefix table over every language (prefixes never collide across languages)."""
    return {key: value for lang in LANGUAGES.values() for key, value in lang.months.items()}
