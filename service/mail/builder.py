"""The one message builder: every inbound path produces its :class:`NormalizedMessage` here.

Raw MIME (webhooks, ``triage deliver``) is decoded by :mod:`service.mail.parse`; providers that
post parsed fields (Mailgun, SendGrid, Postmark, Mandrill, JSON) are read by their adapters.
Both describe the message as :class:`MessageFields` and call :func:`build_message`, so that
addresses, dates, message ids, cleaning, attribution dates and the refusal of a message without
a sender follow one set of rules whichever way the mail came in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from service.mail.clean import find_attribution, split_reply
from service.mail.headers import (
    addresses,
    decode_header_text,
    header_value,
    normalize_message_ids,
    parse_date,
    require_sender,
)
from service.mail.html import html_to_text
from service.mail.message import Direction, NormalizedMessage
from service.mail.timing import parse_attribution_date


@dataclass
class MessageFields:
    """A message as its source describes it: header values (RFC 2047 words may still be
    encoded) and decoded bodies.

    ``headers`` are the original header (name, value) pairs when the source passes them on:
    they are the only source of ``Message-ID``/``In-Reply-To``/``References`` for most providers
    and fill anything not given explicitly.
    """

    from_: str = ""
    to: Sequence[str] = ()
    subject: str | None = None
    text: str = ""
    html: str = ""
    date: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] | str | None = None
    headers: Sequence[tuple[str, str]] = ()
    stripped_text_hint: str = ""
    """The provider's own reply extraction: used only when ours leaves nothing."""
    attachments: int = 0
    charset: str | None = "utf-8"
    direction: Direction = Direction.INBOUND
    raw_mime: bytes | None = None


def build_message(fields: MessageFields, *, provider: str) -> NormalizedMessage:
    """Clean and normalize ``fields`` into the stored shape; raises :class:`MailParseError`
    when the message has no sender address (no client could be attributed).

    The provider's stripped reply (``stripped_text_hint``) is used only when our own
    ``split_reply`` leaves nothing: its reply detection differs per provider and language, and
    classification must see the same cleaning for every provider.
    """

    def pick(name: str) -> str | None:  # raw: mailboxes decode their own display names
        return header_value(fields.headers, name)

    from_name, from_address = require_sender([fields.from_ or pick("From") or ""])
    text = fields.text if fields.text.strip() else html_to_text(fields.html)
    new_text, quoted_text, signature = split_reply(text)  # drops byte-order marks itself
    if not new_text.strip() and fields.stripped_text_hint.strip():
        new_text = fields.stripped_text_hint.strip()
    date = parse_date(fields.date or pick("Date"))
    subject = fields.subject if fields.subject is not None else pick("Subject") or ""
    return NormalizedMessage(
        from_address=from_address,
        from_name=from_name,
        to_addresses=addresses(list(fields.to) or [pick("To") or ""]),
        subject=decode_header_text(subject).strip(),
        date=date,
        message_id=_first_id(fields.message_id or pick("Message-ID")),
        in_reply_to=_first_id(fields.in_reply_to or pick("In-Reply-To")),
        references=_ids(fields.references or pick("References")),
        text=new_text,
        quoted_text=quoted_text,
        quoted_date=quoted_date(quoted_text, date),
        signature=signature,
        html=fields.html or None,
        charset=fields.charset,
        attachments=fields.attachments,
        direction=fields.direction,
        raw_mime=fields.raw_mime,
        provider=provider,
    )


def is_inline_image(content_type: str, content_id: str | None, disposition: str | None) -> bool:
    """An image the HTML body shows by its Content-ID: part of the message, not a file the
    client sent, so it is not counted as an attachment (on the MIME path and in every
    provider's own attachment list alike). Marked ``attachment``, it is a file again."""
    return (
        content_type.strip().lower().startswith("image/")
        and bool(content_id and content_id.strip(" <>"))
        and (disposition or "").strip().lower() != "attachment"
    )


def quoted_date(quoted_text: str, date: datetime | None) -> datetime | None:
    """When the quoted message was sent, read from its attribution line.

    Client UIs print local time without a zone, so the reply's own zone is assumed; only
    English clients write month-first numeric dates.
    """
    attribution = find_attribution(quoted_text)
    if attribution is None:
        return None
    zone = date.tzinfo if date else None
    return parse_attribution_date(
        attribution.date_text, zone, dayfirst=attribution.language != "en"
    )


def _ids(value: Sequence[str] | str | None) -> list[str]:
    """``<id@host>`` tokens, always in the RFC spelling (threads match across adapters)."""
    if not value:
        return []
    return normalize_message_ids(value if isinstance(value, str) else " ".join(value))


def _first_id(value: str | None) -> str | None:
    return next(iter(_ids(value)), None)
