"""From a provider's payload to the one message builder (:mod:`service.mail.builder`).

Adapters hand over raw MIME (:func:`message_from_mime`, preferred: every provider then goes
through the same decoding) or the fields their provider posts (:func:`message_from_fields`);
both end in :func:`~service.mail.builder.build_message`, and its refusals become 422s.
"""

from __future__ import annotations

from service.config import Settings
from service.inbound.errors import MalformedPayload
from service.inbound.limits import check_message_size
from service.mail.builder import MessageFields, build_message
from service.mail.message import Direction, MailParseError, NormalizedMessage
from service.mail.parse import parse_mime


def parse_direction(value: str | None) -> Direction:
    """``inbound`` (default) or ``outbound``; anything else is a 422."""
    if value is None or not value.strip():
        return Direction.INBOUND
    try:
        return Direction(value.strip().lower())
    except ValueError as exc:
        raise MalformedPayload(
            f"direction must be 'inbound' or 'outbound', not {value!r}", status=422
        ) from exc


def message_from_mime(
    raw: bytes,
    *,
    provider: str,
    settings: Settings,
    direction: Direction = Direction.INBOUND,
) -> NormalizedMessage:
    """Raw RFC 5322 bytes -> NormalizedMessage via the shared MIME parser (422 if unusable)."""
    check_message_size(len(raw), settings)
    if not raw.strip():
        raise MalformedPayload("message is empty", status=422)
    try:
        message = parse_mime(raw, provider=provider)
    except MailParseError as exc:
        raise MalformedPayload(f"message cannot be parsed: {exc}", status=422) from exc
    message.direction = direction
    message.provider = provider
    return message


def format_mailbox(name: object, address: object) -> str:
    """``"Name" <address>`` from structured provider fields, quoting the display name so that
    commas or non-ASCII in it cannot split the address list when parsed back."""
    if not isinstance(address, str):
        return ""
    if not isinstance(name, str) or not name:
        return address
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{address}>'


def message_from_fields(
    fields: MessageFields, *, provider: str, settings: Settings
) -> NormalizedMessage:
    """Build the message from a provider's fields, after the size check (422 if unusable)."""
    check_message_size(len(fields.text.encode()) + len(fields.html.encode()), settings)
    try:
        return build_message(fields, provider=provider)
    except MailParseError as exc:
        raise MalformedPayload(str(exc), status=422) from exc
