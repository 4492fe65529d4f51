"""Header values: RFC 2047 words, raw 8-bit text, mailboxes, message ids and dates.

One set of rules for every source of a message: the MIME parser reads these from the header
block, provider adapters from the fields and header lists their webhooks carry, and both hand
them to :mod:`service.mail.builder`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from service.mail.address import normalize_address
from service.mail.charset import decode_bytes
from service.mail.message import MailParseError
from service.mail.timing import parse_attribution_date

_ENCODED_WORD = re.compile(r"=\?([!->@-~]+)\?([bBqQ])\?([!->@-~]*)\?=")
"""RFC 2047 encoded-word; charset and payload are printable ASCII without "?"."""


_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


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
            pieces.append(decode_raw_text(between))
        pending.append(_decode_word(match[2], match[3]))
        pending_charset = charset
        position = match.end()
    if pending:
        pieces.append(decode_bytes(b"".join(pending), pending_charset)[0])
    pieces.append(decode_raw_text(value[position:]))
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


def decode_raw_text(text: str) -> str:
    """Header text outside encoded-words: 8-bit bytes arrive as surrogate escapes."""
    if text.isascii():
        return text
    data = text.encode("utf-8", "surrogateescape")
    return decode_bytes(data, None)[0]


def mailboxes(values: Sequence[str]) -> list[tuple[str, str]]:
    """(decoded display name, address) pairs of address headers."""
    try:
        pairs = getaddresses(values)
    except Exception:  # malformed address lists: keep what looks like an address
        pairs = [
            ("", found) for found in re.findall(r"[^\s<>,;\"]+@[^\s<>,;\"]+", " ".join(values))
        ]
    return [(decode_header_text(name).strip(), address.strip()) for name, address in pairs]


def first_mailbox(values: Sequence[str]) -> tuple[str, str]:
    """(display name, normalized address) of the first mailbox with an address; ``("", "")``
    when there is none (the builder refuses such a message)."""
    for name, address in mailboxes(values):
        if "@" in address:
            return name, normalize_address(address)
    return "", ""


def require_sender(values: Sequence[str]) -> tuple[str, str]:
    """:func:`first_mailbox` of a ``From`` value; a message without one is refused (no client
    could be attributed), whichever way it came in."""
    name, address = first_mailbox(values)
    if not address:
        raise MailParseError("message has no sender address")
    return name, address


def addresses(values: Sequence[str]) -> list[str]:
    """Normalized addresses from header-style values ("A <a@x>, b@y") or bare addresses."""
    return [normalize_address(address) for _, address in mailboxes(values) if "@" in address]


def parse_date(value: str | None) -> datetime | None:
    """A date header or provider field as an aware datetime, or ``None`` when unreadable.

    RFC 5322 first; then ISO 8601 (some providers send that); then the lenient reader of
    attribution lines for the odd formats mailers write. Naive values are taken as UTC.
    """
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        parsed: datetime | None = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            parsed = parse_attribution_date(decode_header_text(value), UTC, dayfirst=False)
    if parsed is None:
        return None
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


def raw_headers(message: Message) -> dict[str, list[str]]:
    """Header values as sent (unfolded, encoded-words still encoded), by lower-case name.

    Raw values are read here rather than through ``policy.default`` header objects so
    that mislabelled encoded-words and raw 8-bit headers get the same charset fallback
    as bodies. Raw 8-bit bytes (surrogate escapes from the parser) are decoded at once,
    so no lone surrogate can reach an address, a message id or the JSON output.
    """
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        unfolded = re.sub(r"\r?\n[ \t]*", " ", decode_raw_text(str(value))).strip()
        headers.setdefault(decode_raw_text(str(name)).strip().lower(), []).append(unfolded)
    return headers


def first_value(headers: dict[str, list[str]], name: str) -> str:
    values = headers.get(name)
    return values[0] if values else ""


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """First value of header ``name`` (case-insensitive) in a list of pairs."""
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)
