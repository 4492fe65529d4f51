"""Postmark inbound webhook (JSON).

Payload (Postmark "Inbound webhook" and "Parse an email", postmarkapp.com/developer/webhooks/
inbound-webhook; field names also in the official ``postmark`` client's ``InboundWebhook``
type): ``From``, ``FromName``, ``FromFull`` ``{Email, Name, MailboxHash}``, ``To``, ``ToFull[]``,
``Cc``, ``CcFull[]``, ``Subject``, ``Date`` (the sender's own format), ``MessageID`` (Postmark's
id -- *not* the Message-ID header), ``TextBody``, ``HtmlBody``, ``StrippedTextReply`` (used only
as a hint), ``Headers[]`` of ``{Name, Value}`` (where the real ``Message-ID``, ``In-Reply-To``
and ``References`` live), ``Attachments[]`` (``{Name, ContentType, ContentID, ...}``: an image
with a ``ContentID`` is inline, not a file), and ``RawEmail`` when the server has "include raw
email content" switched on -- then the raw message is parsed instead of the fields.

Authentication: Postmark has no request signature; the operator embeds basic-auth credentials
in the webhook URL (``https://user:pass@host/...``), checked against
``TRIAGE_POSTMARK_BASIC_USER``/``_PASSWORD`` in constant time.

Status codes: Postmark retries any non-200 (10 times, growing intervals) *except 403*, which
stops retries. Bad credentials get 401, not 403: a forged post is not from Postmark so the code
does not matter for it, while a genuine post rejected because *we* rotated the password keeps
being retried until the operator fixes it instead of being dropped. Malformed 400/422, 413.
"""

from __future__ import annotations

from typing import Any

from service.config import Settings
from service.inbound.auth import require_basic
from service.inbound.build import format_mailbox, message_from_fields, message_from_mime
from service.inbound.errors import MalformedPayload
from service.inbound.forms import json_body, require_media_type
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult
from service.mail.builder import MessageFields, is_inline_image
from service.mail.message import NormalizedMessage


class PostmarkAdapter:
    """Postmark inbound JSON -> one message."""

    name = "postmark"

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        require_basic(
            request,
            settings.postmark_basic_user,
            settings.postmark_basic_password,
            provider=self.name,
        )
        check_request_size(request, settings, envelope=True)
        require_media_type(request, "application/json")
        document = json_body(request)
        if not isinstance(document, dict):
            raise MalformedPayload("Postmark payload must be a JSON object", status=422)
        return InboundResult(messages=[self._message(document, settings)])

    def _message(self, doc: dict[str, Any], settings: Settings) -> NormalizedMessage:
        raw = doc.get("RawEmail")
        if isinstance(raw, str) and raw.strip():
            return message_from_mime(raw.encode(), provider=self.name, settings=settings)
        sender = _sender(doc)
        if not sender:
            raise MalformedPayload("FromFull.Email / From missing", status=422)
        fields = MessageFields(
            from_=sender,
            to=_recipients(doc),
            subject=_str(doc, "Subject"),
            text=_str(doc, "TextBody"),
            html=_str(doc, "HtmlBody"),
            date=_str(doc, "Date") or None,
            headers=_headers(doc.get("Headers")),
            stripped_text_hint=_str(doc, "StrippedTextReply"),
            attachments=_count(doc.get("Attachments")),
        )
        return message_from_fields(fields, provider=self.name, settings=settings)


def _str(doc: dict[str, Any], key: str) -> str:
    value = doc.get(key)
    if value is not None and not isinstance(value, str):
        raise MalformedPayload(f"{key} must be a string", status=422)
    return value or ""


def _sender(doc: dict[str, Any]) -> str:
    """``"Name" <email>`` from FromFull (structured, unambiguous), else the From string."""
    full = doc.get("FromFull")
    if isinstance(full, dict) and isinstance(full.get("Email"), str) and full["Email"]:
        name = full.get("Name") if isinstance(full.get("Name"), str) else ""
        return format_mailbox(name or "", full["Email"])
    return _str(doc, "From")


def _recipients(doc: dict[str, Any]) -> list[str]:
    full = doc.get("ToFull")
    if isinstance(full, list) and full:
        return [
            format_mailbox("", item["Email"])
            for item in full
            if isinstance(item, dict) and isinstance(item.get("Email"), str)
        ]
    return [_str(doc, "To")] if doc.get("To") else []


def _headers(value: object) -> list[tuple[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise MalformedPayload("Headers must be a list of {Name, Value}", status=422)
    return [
        (item["Name"], item["Value"])
        for item in value
        if isinstance(item, dict)
        and isinstance(item.get("Name"), str)
        and isinstance(item.get("Value"), str)
    ]


def _count(attachments: object) -> int:
    """Attached files; an inline image (an image with a ``ContentID``) is part of the HTML."""
    if not isinstance(attachments, list):
        return 0
    return sum(
        not (
            isinstance(item, dict)
            and is_inline_image(str(item.get("ContentType", "")), item.get("ContentID"), None)
        )
        for item in attachments
    )
