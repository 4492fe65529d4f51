"""The header block and MIME tree of raw mail, and the light check ``triage deliver`` makes.

Apart from the body decoding and cleaning of :mod:`service.mail.parse` so that the MTA pipe can
refuse what is not mail (no header block, no sender address: the builder's own rules) without
importing the cleaner.
"""

from __future__ import annotations

import re
from email import policy
from email.message import Message
from email.parser import BytesParser

from service.mail.headers import raw_headers, require_sender
from service.mail.message import MailParseError

MAIL_HEADERS = frozenset(
    {
        "from", "to", "cc", "date", "subject", "message-id", "mime-version", "content-type",
        "received", "return-path", "in-reply-to", "references", "reply-to", "sender",
        "delivered-to",
    }
)  # fmt: skip
"""At least one of these must be present for the input to count as mail."""


HEADER_LINE = re.compile(
    rb"(?im)^(?:from|to|subject|date|message-id|mime-version|content-type|received|return-path)"
    rb"[ \t]*:"
)


HEADER_SEARCH_BYTES = 4096
"""How far into damaged input a first recognisable header line is looked for."""


def parse_structure(data: bytes) -> tuple[Message, dict[str, list[str]]]:
    try:
        message = BytesParser(policy=policy.compat32).parsebytes(data)
        return message, raw_headers(message)
    except Exception as exc:  # the feed parser is lenient; this is the last safety net
        raise MailParseError(f"cannot read MIME structure: {exc!r}") from exc


def as_bytes(raw: bytes | bytearray | memoryview | str) -> bytes:
    """Adapters sometimes hand over ``str``; MIME is bytes, so encode it back losslessly."""
    if isinstance(raw, str):
        return raw.encode("utf-8", "surrogateescape")
    if isinstance(raw, bytes | bytearray | memoryview):
        return bytes(raw)
    raise MailParseError(f"expected bytes, got {type(raw).__name__}")


def read_structure(
    raw: bytes | bytearray | memoryview | str,
) -> tuple[Message, dict[str, list[str]], bytes]:
    """(MIME tree, raw header values by lower-case name, the bytes) of raw mail; garbage before
    the headers (a damaged first line) is skipped. Raises :class:`MailParseError` when there is
    no mail header at all."""
    data = as_bytes(raw)
    message, headers = parse_structure(data)
    if not headers.keys() & MAIL_HEADERS:
        start = HEADER_LINE.search(data[:HEADER_SEARCH_BYTES])
        if start and start.start() > 0:
            message, headers = parse_structure(data[start.start() :])
    if not headers.keys() & MAIL_HEADERS:
        raise MailParseError("input has no e-mail headers; it is not a mail message")
    return message, headers, data


def check_mail(raw: bytes) -> None:
    """Refuse what the builder would refuse, from the headers alone (:class:`MailParseError`)."""
    _, headers, _ = read_structure(raw)
    require_sender(headers.get("from", []))
