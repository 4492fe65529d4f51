"""The documented plain JSON form, for any source without a dedicated adapter.

``POST`` with ``Content-Type: application/json`` and ``Authorization: Bearer
<TRIAGE_INBOUND_TOKEN>``; the body is one of::

    {"from": "Ayşe Yılmaz <ayse@example.com.tr>",      # required
     "to": ["support@example.com"],
     "subject": "...", "text": "...", "html": "...",   # text preferred; html used if no text
     "date": "Tue, 04 Mar 2025 10:00:00 +0300",        # RFC 5322 or ISO 8601
     "message_id": "<id@host>", "in_reply_to": "<id@host>", "references": ["<id@host>"],
     "direction": "inbound"}                           # or "outbound"

    {"raw": "<base64 of the RFC 5322 message>", "direction": "outbound"}

Unknown keys are refused (a typo such as ``"body"`` would otherwise lose the text silently).
Errors: bad bearer 401; not JSON / wrong Content-Type 400/415; schema violations 422 listing the
offending fields; oversized 413.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.config import Settings
from service.inbound.auth import require_bearer
from service.inbound.build import message_from_fields, message_from_mime, parse_direction
from service.inbound.errors import MalformedPayload
from service.inbound.forms import decode_base64, json_body, require_media_type
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult
from service.mail.builder import MessageFields
from service.mail.message import NormalizedMessage


class JsonMessage(BaseModel):
    """Schema of the JSON form; either ``raw`` or ``from`` must be present."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=False)

    raw: str | None = None
    from_: str | None = Field(default=None, alias="from", min_length=3)
    to: list[str] = Field(default_factory=list)
    subject: str = ""
    text: str = ""
    html: str = ""
    date: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = Field(default_factory=list)
    direction: Literal["inbound", "outbound"] = "inbound"

    @model_validator(mode="after")
    def _raw_or_fields(self) -> JsonMessage:
        if self.raw is None and self.from_ is None:
            raise ValueError("either 'raw' (base64 MIME) or 'from' is required")
        if self.raw is not None and self.from_ is not None:
            raise ValueError("'raw' cannot be combined with message fields")
        return self


class JsonFormAdapter:
    """Plain JSON -> one message."""

    name = "json"

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        require_bearer(request, settings.inbound_token, provider=self.name)
        check_request_size(request, settings, envelope=True)
        require_media_type(request, "application/json")
        document = _validate(json_body(request))
        return InboundResult(messages=[self._message(document, settings)])

    def _message(self, document: JsonMessage, settings: Settings) -> NormalizedMessage:
        direction = parse_direction(document.direction)
        if document.raw is not None:
            raw = decode_base64(document.raw, "'raw'")
            return message_from_mime(
                raw, provider=self.name, settings=settings, direction=direction
            )
        fields = MessageFields(
            from_=document.from_ or "",
            to=document.to,
            subject=document.subject,
            text=document.text,
            html=document.html,
            date=document.date,
            message_id=document.message_id,
            in_reply_to=document.in_reply_to,
            references=document.references,
            direction=direction,
        )
        return message_from_fields(fields, provider=self.name, settings=settings)


def _validate(document: object) -> JsonMessage:
    """Schema check with a reason naming every offending field."""
    if not isinstance(document, dict):
        raise MalformedPayload("JSON body must be an object", status=422)
    try:
        return JsonMessage.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
            for err in exc.errors()
        )
        raise MalformedPayload(f"invalid JSON message: {problems}", status=422) from exc
