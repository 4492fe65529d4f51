"""Raw RFC 5322 / MIME bytes -> :class:`NormalizedMessage`.

Client mail arrives in every charset Korean, Russian and Turkish mailers ever used,
often mislabelled, sometimes structurally broken. The structure is parsed with the
standard library's ``email`` package under ``policy.compat32``, whose accessors are plain
string operations (``policy.default`` re-parses a header into objects on every access, which
was half of the parse time per webhook). Header text and body bytes are decoded here with a
charset fallback that checks whether the result looks like real text, so that one bad label
or one broken part never loses the whole message. Only input that is not mail at all raises
:class:`MailParseError`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import TypeVar

from service.mail.address import normalize_address
from service.mail.clean import find_attribution, split_reply
from service.mail.html import html_to_text
from service.mail.message import NormalizedMessage
from service.mail.timing import parse_attribution_date

logger = logging.getLogger(__name__)

T = TypeVar("T")


class MailParseError(ValueError):
    """The input is not an e-mail message (no header block), or unreadable even best-effort."""


_MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "date", "subject", "message-id", "mime-version", "content-type",
        "received", "return-path", "in-reply-to", "references", "reply-to", "sender",
        "delivered-to",
    }
)  # fmt: skip
"""At least one of these must be present for the input to count as mail."""

_HEADER_LINE = re.compile(
    rb"(?im)^(?:from|to|subject|date|message-id|mime-version|content-type|received|return-path)"
    rb"[ \t]*:"
)
_HEADER_SEARCH_BYTES = 4096
"""How far into damaged input a first recognisable header line is looked for."""

_SUPERSETS = {
    "euc-kr": "cp949", "euc_kr": "cp949", "ks_c_5601-1987": "cp949", "iso-8859-9": "cp1254",
    "iso-8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "gb2312": "gb18030",
    "gbk": "gb18030", "us-ascii": "utf-8", "ascii": "utf-8",
}  # fmt: skip
"""Labels that senders use for a wider charset than they name (Windows code pages)."""

_GUESSES = tuple(
    codecs.lookup(name).name for name in ("utf-8", "cp949", "cp1251", "koi8_r", "cp1254")
)
"""Charsets tried, best-scoring first wins, when the label is missing or clearly wrong."""

_LABEL_TRUST = 0.1
"""Score bonus of the declared charset: a label is only overruled by clearly better text."""

_MAX_DEPTH = 30
"""Deepest MIME nesting followed; beyond it parts are ignored (nesting bombs)."""

_ENCODED_WORD = re.compile(r"=\?([!->@-~]+)\?([bBqQ])\?([!->@-~]*)\?=")
"""RFC 2047 encoded-word; charset and payload are printable ASCII without "?"."""
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+")
_MIXED_CASE = re.compile(r"[^\W\d_A-Z]*[a-zа-яё][А-ЯЁ]")
"""Lower- then upper-case Cyrillic inside a word: the mark of a wrong Cyrillic code page."""
_TOP_CYRILLIC = frozenset("оеаинтсрвлкмдпуяы")
_TURKISH = frozenset("çğıöşüÇĞİÖŞÜ")
_WESTERN = frozenset("éèêëàâäáíîïìóôöòúûüùñçßÉÈÊÀÂÄÁÍÎÓÔÖÚÛÜÑÇ")


@dataclass
class _Body:
    """Text parts found while walking the MIME tree, in order."""

    plain: list[tuple[str, str]] = field(default_factory=list)
    html: list[tuple[str, str]] = field(default_factory=list)
    attachments: int = 0

    def merge(self, other: _Body) -> None:
        self.plain += other.plain
        self.html += other.html
        self.attachments += other.attachments


def parse_mime(raw: bytes, provider: str = "raw") -> NormalizedMessage:
    """Parse raw mail bytes into a normalized, cleaned message (best effort).

    Raises :class:`MailParseError` only when the input has no mail headers at all; any
    other damage (bad charsets, broken parts, missing boundaries) degrades the result.
    """
    data = _as_bytes(raw)
    message, headers = _parse_structure(data)
    if not headers.keys() & _MAIL_HEADERS:
        start = _HEADER_LINE.search(data[:_HEADER_SEARCH_BYTES])
        if start and start.start() > 0:  # garbage before the headers (a damaged first line)
            message, headers = _parse_structure(data[start.start() :])
    if not headers.keys() & _MAIL_HEADERS:
        raise MailParseError("input has no e-mail headers; it is not a mail message")
    try:
        return _normalize(message, headers, data, provider)
    except Exception as exc:  # pragma: no cover - defensive: per-part guards come first
        logger.exception("mail normalization failed")
        raise MailParseError(f"unreadable mail message: {exc!r}") from exc


def _parse_structure(data: bytes) -> tuple[Message, dict[str, list[str]]]:
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(data)
        return message, _raw_headers(message)
    except Exception as exc:  # the feed parser is lenient; this is the last safety net
        raise MailParseError(f"cannot read MIME structure: {exc!r}") from exc


def _as_bytes(raw: bytes | bytearray | memoryview | str) -> bytes:
    """Adapters sometimes hand over ``str``; MIME is bytes, so encode it back losslessly."""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise MailParseError(f"expected bytes, got {type(raw).__name__}")


def _normalize(
    message: Message, headers: dict[str, list[str]], data: bytes, provider: str
) -> NormalizedMessage:
    """Fill every field of the normalized message from the parsed tree."""
    from_name, from_address = _first_address(headers.get("from", []))
    date = _parse_date(_first(headers, "date"))
    body = _Body()
    _walk(message, body, 0)
    text, charset = _body_text(body)
    new_text, quoted_text, signature = split_reply(text)
    return NormalizedMessage(
        from_address=normalize_address(from_address),
        to_addresses=[normalize_address(a) for _, a in _addresses(headers.get("to", [])) if a],
        from_name=from_name,
        subject=decode_header_text(_first(headers, "subject")).strip(),
        date=date,
        message_id=next(iter(normalize_message_ids(_first(headers, "message-id"))), None),
        in_reply_to=next(iter(normalize_message_ids(_first(headers, "in-reply-to"))), None),
        references=normalize_message_ids(" ".join(headers.get("references", []))),
        text=new_text,
        quoted_text=quoted_text,
        quoted_date=_quoted_date(quoted_text, date),
        signature=signature,
        charset=charset,
        attachments=body.attachments,
        raw_mime=data,
        provider=provider,
    )


# --- headers -----------------------------------------------------------------------------


def _raw_headers(message: Message) -> dict[str, list[str]]:
    """Header values as sent (unfolded, encoded-words still encoded), by lower-case name.

    Raw values are read here rather than through ``policy.default`` header objects so
    that mislabelled encoded-words and raw 8-bit headers get the same charset fallback
    as bodies. Raw 8-bit bytes (surrogate escapes from the parser) are decoded at once,
    so no lone surrogate can reach an address, a message id or the JSON output.
    """
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        unfolded = re.sub(r"\r?\n[ \t]*", " ", _from_raw(str(value))).strip()
        headers.setdefault(_from_raw(str(name)).strip().lower(), []).append(unfolded)
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def decode_header_text(value: str) -> str:
    """Decode RFC 2047 encoded-words and raw 8-bit bytes in a header value.

    Adjacent encoded-words in one charset are joined *before* decoding: Korean and
    Russian mailers split multi-byte characters across words.
    """
    pieces: list[str] = []
    pending: list[bytes] = []
    pending_charset = ""
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        charset = match[1].split("*", 1)[0].lower()
        if pending and (between.strip() or charset != pending_charset):
            pieces.append(decode_bytes(b"".join(pending), pending_charset)[0])
            pending = []
        if between.strip() or (not pieces and not pending):
            pieces.append(_from_raw(between))
        pending.append(_decode_word(match[2], match[3]))
        pending_charset = charset
        position = match.end()
    if pending:
        pieces.append(decode_bytes(b"".join(pending), pending_charset)[0])
    pieces.append(_from_raw(value[position:]))
    return "".join(pieces)


def _decode_word(encoding: str, payload: str) -> bytes:
    """Bytes of one encoded-word; damaged base64 is repaired or kept as text."""
    raw = payload.encode("ascii")
    if encoding.lower() == "q":
        return binascii.a2b_qp(raw, header=True)
    cleaned = re.sub(rb"[^A-Za-z0-9+/]", b"", raw)
    try:
        return base64.b64decode(cleaned + b"=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        return raw


def _from_raw(text: str) -> str:
    """Header text outside encoded-words: 8-bit bytes arrive as surrogate escapes."""
    if text.isascii():
        return text
    data = text.encode("utf-8", "surrogateescape")
    return decode_bytes(data, None)[0]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(decoded display name, address) pairs of address headers."""
    try:
        pairs = getaddresses(values)
    except Exception:  # malformed address lists: keep what looks like an address
        pairs = [
            ("", found) for found in re.findall(r"[^\s<>,;\"]+@[^\s<>,;\"]+", " ".join(values))
        ]
    return [(decode_header_text(name).strip(), address.strip()) for name, address in pairs]


def _first_address(values: list[str]) -> tuple[str, str]:
    """Display name and address of the sender; raw value when nothing parses."""
    for name, address in _addresses(values):
        if address:
            return name, address
    return "", (decode_header_text(values[0]) if values else "")


def _parse_date(value: str) -> datetime | None:
    """The ``Date`` header as an aware datetime; lenient for the odd formats seen in mail."""
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return parse_attribution_date(decode_header_text(value), UTC, dayfirst=False)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def normalize_message_ids(value: str) -> list[str]:
    """``<id@host>`` tokens of a Message-ID/In-Reply-To/References value, in order.

    Ids always keep their angle brackets (the RFC form), also when a provider sent them
    bare, so that threads match across inbound adapters.
    """
    found = _MESSAGE_ID.findall(value)
    if not found:
        found = [f"<{token.strip('<>')}>" for token in value.split() if "@" in token]
    return list(dict.fromkeys(found))


def _quoted_date(quoted_text: str, date: datetime | None) -> datetime | None:
    """Date of the quoted message from its attribution, in the reply's zone when unnamed."""
    attribution = find_attribution(quoted_text)
    if attribution is None:
        return None
    zone = date.tzinfo if date else None
    return parse_attribution_date(
        attribution.date_text, zone, dayfirst=attribution.language != "en"
    )


# --- body --------------------------------------------------------------------------------


def _safe(call: Callable[[], T], default: T) -> T:
    """Header-object accessors can raise on hostile input; a default is always better."""
    try:
        return call()
    except Exception:
        return default


def _walk(part: Message, body: _Body, depth: int) -> None:
    """Collect text parts and count attachments; ``multipart/alternative`` keeps one child."""
    if depth > _MAX_DEPTH:
        return
    content_type = _safe(part.get_content_type, "text/plain")
    maintype = content_type.split("/", 1)[0]
    if maintype == "message" or _is_attachment(part, maintype):  # message/*: forwarded mail
        body.attachments += 1
        return
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        if content_type == "multipart/alternative":
            body.merge(_best_alternative(children, depth))
        else:
            for child in children:
                _walk(child, body, depth + 1)
        return
    if content_type == "text/html":
        body.html.append(_decode_part(part, html=True))
    elif content_type == "text/plain":
        body.plain.append(_decode_part(part, html=False))
    elif maintype == "text":
        body.attachments += 1  # text/calendar, text/csv sent inline
    # what is left is an image embedded in the HTML (see _is_attachment): not text, not a file


def _best_alternative(children: list[Message], depth: int) -> _Body:
    """The plain-text alternative when it has text, else the first one that has any."""
    candidates = []
    for child in children:
        found = _Body()
        _walk(child, found, depth + 1)
        candidates.append(found)
    for wanted in ("plain", "html"):
        for found in candidates:
            if any(text.strip() for text, _ in getattr(found, wanted)):
                return found
    return candidates[0] if candidates else _Body()


def _is_attachment(part: Message, maintype: str) -> bool:
    """Files are counted, not read; images embedded in HTML (Content-ID, inline) are not."""
    if part.is_multipart():
        return False
    disposition = _safe(part.get_content_disposition, None)
    if disposition == "attachment":
        return True
    if maintype == "image" and part.get("content-id") is not None:
        return False
    if _safe(part.get_filename, None):
        return True
    return maintype not in ("text", "multipart")


def _decode_part(part: Message, *, html: bool) -> tuple[str, str]:
    """(text, charset used) of a leaf part; format=flowed lines are re-joined."""
    payload = _safe(lambda: part.get_payload(decode=True), b"") or b""
    if not isinstance(payload, bytes):
        payload = str(payload).encode("utf-8", "surrogateescape")
    declared = _safe(part.get_content_charset, None)
    if html and not declared:
        meta = _META_CHARSET.search(payload[:4096])
        declared = meta.group(1).decode("ascii", "replace") if meta else None
    text, charset = decode_bytes(payload, declared)
    text = text.replace("\ufeff", "")
    if html:
        return _safe(lambda: html_to_text(text), text), charset
    if str(_safe(lambda: part.get_param("format"), "")).lower() == "flowed":
        delsp = str(_safe(lambda: part.get_param("delsp"), "")).lower() == "yes"
        text = _unflow(text, delsp)
    return text, charset


def _unflow(text: str, delsp: bool) -> str:
    """Undo RFC 3676 soft line breaks so wrapped sentences and attributions are whole."""
    out: list[str] = []
    joining = False
    for raw_line in text.replace("\r\n", "\n").split("\n"):
        line = raw_line[1:] if raw_line.startswith(" ") else raw_line
        if joining and not line.startswith(">"):
            out[-1] += line
        else:
            out.append(line)
        joining = out[-1].endswith(" ") and out[-1] != "-- " and not out[-1].startswith(">")
        if joining and delsp:
            out[-1] = out[-1][:-1]
    return "\n".join(out)


def _body_text(body: _Body) -> tuple[str, str | None]:
    """Plain parts joined, else HTML parts converted; with the first part's charset."""
    parts = body.plain if any(text.strip() for text, _ in body.plain) else body.html
    charset = parts[0][1] if parts else None
    return "\n\n".join(text for text, _ in parts), charset


# --- charsets ----------------------------------------------------------------------------


def decode_bytes(data: bytes, declared: str | None) -> tuple[str, str]:
    """Decode text bytes whose charset label may be missing or wrong.

    Valid UTF-8 wins outright (many mailers label UTF-8 as something else). Otherwise
    the declared charset, its usual superset (euc-kr -> cp949, iso-8859-9 -> cp1254) and
    the charsets of our client languages are tried, and the one whose result looks most
    like real text wins, with a bonus for the label. Returns ``(text, codec name)``.
    """
    labels = _codecs_for(declared)
    if b"\x1b$)C" in data:  # ISO-2022-KR is 7-bit: it would pass for ASCII and UTF-8
        labels = [codecs.lookup("iso2022_kr").name, *labels]
    elif data.isascii():
        return data.decode("ascii"), labels[0] if labels else "ascii"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            pass
    best: tuple[float, str, str] | None = None
    for position, name in enumerate(dict.fromkeys([*labels, *_GUESSES])):
        try:
            text = data.decode(name)
        except UnicodeDecodeError:
            continue
        score = _plausibility(text) + (_LABEL_TRUST if name in labels else 0.0)
        score -= position * 1e-6  # stable preference for earlier candidates on ties
        if best is None or score > best[0]:
            best = (score, text, name)
    if best is not None:
        return best[1], best[2]
    fallback = labels[0] if labels else "utf-8"
    return data.decode(fallback, "replace"), fallback


def _codecs_for(declared: str | None) -> list[str]:
    """Known Python codec names for a declared charset label and its superset."""
    if not declared:
        return []
    label = declared.strip().strip("\"'").lower()
    names = []
    for candidate in (label, _SUPERSETS.get(label)):
        if not candidate:
            continue
        try:
            names.append(codecs.lookup(candidate).name)
        except LookupError:
            continue
    return list(dict.fromkeys(names))


def _plausibility(text: str) -> float:
    """How much a decoded text looks like real ko/ru/tr/en writing, 0..1.

    Wrong single-byte decodings produce words mixing scripts, rare letters (Ukrainian,
    Icelandic) and symbols; wrong Cyrillic code pages scramble letter frequencies and
    case ("дНАПШИ").
    """
    sample = text[:4000]
    good = 0.0
    total = 0
    for word in _WORD.findall(sample):
        total += len(word)
        scripts = {_script(char) for char in word}
        if len(scripts) == 1 and not _MIXED_CASE.search(word):
            good += sum(_letter_weight(char) for char in word) * _accent_factor(word)
    symbols = sum(1 for char in sample if _is_noise(char))
    total += symbols
    return 1.0 if total == 0 else good / total


def _accent_factor(word: str) -> float:
    """Latin words made mostly of accented letters ("óŞÔ") are Cyrillic read as Latin."""
    if word[0] > "\u024f" or len(word) < 2:
        return 1.0
    accented = sum(1 for char in word if not char.isascii())
    return 0.3 if accented * 2 > len(word) else 1.0


def _script(char: str) -> str:
    code = ord(char)
    if code < 0x250:
        return "latin"
    if 0x400 <= code < 0x530:
        return "cyrillic"
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code < 0x1200 or 0x3130 <= code < 0x3190:
        return "hangul"
    return "other"


def _letter_weight(char: str) -> float:
    """1 for letters typical of our languages, less for letters wrong decodings produce."""
    code = ord(char)
    if char.isascii() or char in _TURKISH or 0xAC00 <= code <= 0xD7A3:
        return 1.0
    if char in _WESTERN:
        return 0.8
    if 0x410 <= code <= 0x44F or char in "ёЁ":
        return 1.0 if char.lower() in _TOP_CYRILLIC else 0.4
    if 0x4E00 <= code <= 0x9FFF:
        return 0.3  # hanja: rare in modern Korean mail, common in cp949 misreadings
    return 0.1


def _is_noise(char: str) -> bool:
    """Symbols and control characters that real text rarely contains."""
    if char in "\t\n\r":
        return False
    return char == "\ufffd" or unicodedata.category(char) in ("Cc", "Co", "Cs", "So", "Sk")
