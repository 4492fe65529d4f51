"""Raw RFC 5322 / MIME bytes -> :class:`MessageFields` -> the one message builder.

Client mail arrives structurally broken as often as mislabelled. The structure is parsed with
the standard library's ``email`` package under ``policy.compat32``, whose accessors are plain
string operations (``policy.default`` re-parses a header into objects on every access, which
was half of the parse time per webhook). Body bytes are decoded with the charset fallback of
:mod:`service.mail.charset`, so that one bad label or one broken part never loses the whole
message. Only input that is not mail at all raises :class:`MailParseError`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import TypeVar

from service.mail.builder import MessageFields, build_message, is_inline_image
from service.mail.charset import decode_bytes
from service.mail.html import html_to_text
from service.mail.message import MailParseError, NormalizedMessage
from service.mail.structure import read_structure

logger = logging.getLogger(__name__)

T = TypeVar("T")


_MAX_DEPTH = 30
"""Deepest MIME nesting followed; beyond it parts are ignored (nesting bombs)."""

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)


@dataclass
class _Body:
    """Text parts found while walking the MIME tree, in order (HTML as sent, not converted)."""

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
    message, headers, data = read_structure(raw)
    try:
        return _normalize(message, headers, data, provider)
    except MailParseError:
        raise
    except Exception as exc:  # pragma: no cover - defensive: per-part guards come first
        logger.exception("mail normalization failed")
        raise MailParseError(f"unreadable mail message: {exc!r}") from exc


def _normalize(
    message: Message, headers: dict[str, list[str]], data: bytes, provider: str
) -> NormalizedMessage:
    """Describe the parsed tree as :class:`MessageFields` for the one message builder."""
    body = _Body()
    _walk(message, body, 0)
    text, charset = _body_text(body)
    return build_message(
        MessageFields(
            to=headers.get("to", []),
            text=text,
            html="\n".join(html for html, _ in body.html),
            headers=[(name, value) for name, values in headers.items() for value in values],
            attachments=body.attachments,
            charset=charset,
            raw_mime=data,
        ),
        provider=provider,
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
    """The text of the plain alternative when it has any, else of the first that has; the
    HTML of every alternative (kept as the message's HTML part) and the files of all of them
    (a client may attach a file inside the HTML branch only)."""
    candidates = []
    for child in children:
        found = _Body()
        _walk(child, found, depth + 1)
        candidates.append(found)
    chosen = next(
        (
            found
            for wanted in ("plain", "html")
            for found in candidates
            if any(text.strip() for text, _ in getattr(found, wanted))
        ),
        candidates[0] if candidates else _Body(),
    )
    return _Body(
        plain=chosen.plain,
        html=[part for found in candidates for part in found.html],
        attachments=sum(found.attachments for found in candidates),
    )


def _is_attachment(part: Message, maintype: str) -> bool:
    """Files are counted, not read; images embedded in HTML (Content-ID, inline) are not."""
    if part.is_multipart():
        return False
    disposition = _safe(part.get_content_disposition, None)
    content_type = _safe(part.get_content_type, "application/octet-stream")
    if is_inline_image(content_type, part.get("content-id"), disposition):
        return False
    if disposition == "attachment" or _safe(part.get_filename, None):
        return True
    return maintype not in ("text", "multipart")


def _decode_part(part: Message, *, html: bool) -> tuple[str, str]:
    """(text, charset used) of a leaf part; format=flowed lines are re-joined."""
    payload = _safe(lambda: _payload_bytes(part), b"")
    if not isinstance(payload, bytes):
        payload = str(payload).encode("utf-8", "surrogateescape")
    declared = _safe(part.get_content_charset, None)
    if html and not declared:
        meta = _META_CHARSET.search(payload[:4096])
        declared = meta.group(1).decode("ascii", "replace") if meta else None
    text, charset = decode_bytes(payload, declared)
    if html:
        return text, charset
    if _safe(lambda: _param(part, "format"), "").lower() == "flowed":
        delsp = _safe(lambda: _param(part, "delsp"), "").lower() == "yes"
        text = _unflow(text, delsp)
    return text, charset


def _payload_bytes(part: Message) -> bytes:
    """The decoded payload of a leaf part (``get_payload`` is typed for containers too)."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _param(part: Message, name: str) -> str:
    """A ``Content-Type`` parameter as text (RFC 2231 values arrive as tuples)."""
    value = part.get_param(name)
    return value if isinstance(value, str) else ""


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


def _html_text(html: str) -> str:
    """The visible text of an HTML part; the markup itself when it cannot be read at all."""
    try:
        return html_to_text(html)
    except Exception:  # html.parser is lenient; this is the last safety net
        return html


def _body_text(body: _Body) -> tuple[str, str | None]:
    """Plain parts joined, else HTML parts converted; with the first part's charset."""
    if any(text.strip() for text, _ in body.plain):
        parts = body.plain
    else:
        parts = [(_html_text(html), charset) for html, charset in body.html]
    charset = parts[0][1] if parts else None
    return "\n\n".join(text for text, _ in parts), charset


# --- charsets ----------------------------------------------------------------------------
