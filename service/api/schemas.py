"""Request and response bodies of the ``/v1`` API, with the examples shown in the OpenAPI schema."""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field

from models.labels import LABELS
from service.risk.policy import RiskLevel

if TYPE_CHECKING:  # the checker sees plain strings; validation and OpenAPI see the enums
    Label = str
    RiskLevelName = str
else:
    Label = Literal[LABELS]
    """One of the one label list (``models/labels.py``), an enum in the OpenAPI schema."""
    RiskLevelName = Literal[tuple(level.value for level in RiskLevel)]

EVIDENCE_EXAMPLE = [{"sentence": "Are you actually this thick or is it an act?", "score": 0.97}]

MAX_ID = 2**53 - 1
"""Largest id accepted: every JSON client holds it exactly (ids are 64-bit in the database, and
a value past that would overflow the driver instead of answering 404)."""
MAX_OFFSET = 1_000_000
"""Deepest offset a list accepts: beyond it the database would scan and discard every row
before, and no ranked list is read that far by offset (filter with ``q``/``risk`` instead)."""
MAX_TEXT = 320
"""Longest name, address or domain (RFC 5321 path length), as the columns store them."""
NO_NUL = r"^[^\x00]*$"
"""Free text: anything but NUL, which PostgreSQL cannot store in text."""
_ATOM = r"[^\x00-\x20\x7f@<>()\[\]:;\\,\"]"
ADDRESS_PATTERN = rf"^{_ATOM}+@{_ATOM}*[^\x00-\x20\x7f@<>()\[\]:;\\,\".]{_ATOM}*$"
"""local@domain, no spaces, controls or RFC 5322 specials, a domain not only of dots."""
DOMAIN_PATTERN = rf"^@?{_ATOM}*[^\x00-\x20\x7f@<>()\[\]:;\\,\".]{_ATOM}*$"
"""A domain (``@`` in front allowed), the same characters, not only dots."""
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _rfc3339(value: object) -> object:
    """Dates in queries are RFC 3339 date-times with an offset, as the schema says; pydantic
    alone would also read ``0.5`` as a Unix time and a naive time as local."""
    if isinstance(value, str) and not RFC3339.match(value):
        raise ValueError("expected an RFC 3339 date-time with offset, e.g. 2025-03-04T10:00:00Z")
    return value


DateTimeParam = Annotated[AwareDatetime, BeforeValidator(_rfc3339)]


def _integral(value: object) -> object:
    """JSON has one number type: ``300.0`` is the integer 300 (JSON Schema agrees); strict
    validation then still refuses ``true`` and ``"300"``."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


IdIn = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_integral)]
"""An id in a request body."""
FreeText = Annotated[str, Field(pattern=NO_NUL)]

ClientId = Annotated[int, Path(ge=1, le=MAX_ID, description="Client id.")]
MessageId = Annotated[int, Path(ge=1, le=MAX_ID, description="Stored message id.")]


class RequestBody(BaseModel):
    """Request bodies are strict: ``false`` is not an id, ``"1"`` not a number, and an unknown
    field (a typo) is refused instead of silently ignored."""

    model_config = ConfigDict(strict=True, extra="forbid")


class ErrorBody(BaseModel):
    """Every error: a clear message, never a stack trace."""

    detail: Any = Field(examples=["missing API key"])


def _error(description: str, *, retry: bool = False) -> dict[str, Any]:
    response: dict[str, Any] = {"model": ErrorBody, "description": description}
    if retry:
        response["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return response


Responses = dict[int | str, dict[str, Any]]
"""What FastAPI's ``responses=`` takes."""
UNAUTHORIZED: Responses = {401: _error("Missing or invalid credentials.")}
FORBIDDEN: Responses = {403: _error("The API key lacks the scope this operation needs.")}
NOT_FOUND: Responses = {404: _error("No such resource.")}
CONFLICT: Responses = {409: _error("Conflicts with stored data.")}
MULTI_VALUED_QUERY = frozenset({"risk"})
"""Query parameters that are lists; any other one given twice is refused (which value would
count is not something a caller should have to guess)."""
SERVICE_ERRORS: Responses = {
    413: _error("Request body larger than the limit."),
    429: _error("Too many failed authentications from this address.", retry=True),
    503: _error("Database temporarily unavailable.", retry=True),
}
"""Answers any route can give: body bound, auth-failure rate limit, database outage."""
BAD_BODY: Responses = {400: _error("The body is not valid JSON (or not UTF-8).")}


class StoredMessage(BaseModel):
    id: int = Field(examples=[42])
    client_id: int | None = Field(examples=[7])
    duplicate: bool = Field(description="True when this was a redelivery of a stored message.")
    direction: Literal["inbound", "outbound"]


class InboundResponse(BaseModel):
    """2xx only after the messages are committed: 202 new, 200 redelivery (same ids)."""

    messages: list[StoredMessage]
    skipped: list[str] = Field(default_factory=list)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "messages": [
                        {"id": 42, "client_id": 7, "duplicate": False, "direction": "inbound"}
                    ],
                    "skipped": [],
                }
            ]
        }
    )


class SnsHandshake(BaseModel):
    """An SNS subscription (un)confirmation: open ``subscribe_url`` to confirm; nothing stored."""

    action: Literal["confirm_subscription", "unsubscribed"]
    topic_arn: str
    subscribe_url: str
    message: str


class Mapping(BaseModel):
    kind: Literal["address", "domain"] = Field(examples=["domain"])
    value: str = Field(examples=["example.ru"], min_length=1, max_length=MAX_TEXT)


class AddressMappingIn(RequestBody):
    kind: Literal["address"]
    value: str = Field(examples=["ivan@example.ru"], max_length=MAX_TEXT, pattern=ADDRESS_PATTERN)


class DomainMappingIn(RequestBody):
    kind: Literal["domain"]
    value: str = Field(examples=["example.ru"], max_length=MAX_TEXT, pattern=DOMAIN_PATTERN)


MappingIn = Annotated[AddressMappingIn | DomainMappingIn, Field(discriminator="kind")]


class _Move(BaseModel):
    move: bool = Field(
        default=False,
        description="Take the address/domain (and its stored mail) over from another client.",
    )


class AddressMappingCreate(AddressMappingIn, _Move):
    pass


class DomainMappingCreate(DomainMappingIn, _Move):
    pass


MappingCreate = Annotated[AddressMappingCreate | DomainMappingCreate, Field(discriminator="kind")]


class ClientCreate(RequestBody):
    name: FreeText = Field(examples=["Petrov & Co"], max_length=MAX_TEXT)
    mappings: list[MappingIn] = Field(
        default_factory=list,
        max_length=100,
        examples=[[{"kind": "domain", "value": "example.ru"}]],
    )


class ClientUpdate(RequestBody):
    name: FreeText = Field(examples=["Petrov & Co (Moscow office)"], max_length=MAX_TEXT)


class ClientItem(BaseModel):
    id: int = Field(examples=[7])
    name: str = Field(examples=["ivan.petrov@example.ru"])
    risk_level: RiskLevelName = Field(examples=["amber"])
    risk_points: int = Field(examples=[3])
    first_contact: datetime | None
    last_contact: datetime | None
    mappings: list[Mapping]


class ClientList(BaseModel):
    items: list[ClientItem]
    total: int = Field(examples=[1])
    limit: int = Field(examples=[50])
    offset: int = Field(examples=[0])


class WindowStatsOut(BaseModel):
    messages: int = Field(description="Inbound messages in the window.", examples=[12])
    classified: int = Field(examples=[12])
    counts: dict[str, int] = Field(
        examples=[{"abuse": 0, "pessimism": 3, "unreasonable_demand": 1, "slow_response": 0}]
    )
    rates: dict[str, float] = Field(
        examples=[
            {"abuse": 0.0, "pessimism": 0.25, "unreasonable_demand": 0.0833, "slow_response": 0.0}
        ]
    )


class Trend(BaseModel):
    direction: Literal["worsening", "improving", "stable", "new", "unknown"]
    recent_flagged_share: float | None
    previous_flagged_share: float | None
    period_days: int


class ReplyGaps(BaseModel):
    count: int
    median_seconds: int | None = Field(examples=[86400])
    worst_seconds: int | None = Field(examples=[1209600])
    long_gaps: int = Field(description="Replies slower than the long-gap threshold.")
    long_gap_threshold_days: float


class Risk(BaseModel):
    level: RiskLevelName = Field(examples=["amber"])
    points: int = Field(examples=[3])
    reasons: list[str] = Field(
        examples=[
            [
                "repeated pessimism: 3 messages in the last 90 days",
                "amber: 3 accumulated signals (red from 6)",
            ]
        ]
    )


class ClientSummary(ClientItem):
    message_count: int = Field(description="Inbound (client) messages.", examples=[12])
    outbound_count: int = Field(examples=[10])
    pending_count: int = Field(description="Inbound messages not classified yet.", examples=[0])
    windows: dict[str, WindowStatsOut] = Field(description="Keys: 7d, 30d, 90d, all.")
    trend: Trend
    reply_gaps: ReplyGaps
    slow_messages: int
    awaiting_reply_since: datetime | None = Field(
        description="Our last message, when the client has not written since."
    )
    awaiting_reply_days: int | None
    risk: Risk


class FlagItem(BaseModel):
    id: int = Field(examples=[301])
    message_id: int = Field(examples=[42])
    date: datetime
    subject: str = Field(examples=["Re: homepage mockup v3"])
    label: Label
    score: float = Field(examples=[0.97])
    evidence: list[dict[str, Any]] = Field(examples=[EVIDENCE_EXAMPLE])
    language: str | None = Field(examples=["en"])
    release: str = Field(examples=["v1"])
    dismissed: bool = Field(description="A reviewer removed this label from the message.")


class FlagPage(BaseModel):
    items: list[FlagItem]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next (older) page.")


class MessageOut(BaseModel):
    id: int = Field(examples=[42])
    client_id: int | None
    direction: Literal["inbound", "outbound"]
    provider: str = Field(examples=["raw"])
    message_id: str | None = Field(examples=["<CAF=abc@mail.gmail.com>"])
    from_address: str = Field(examples=["greg@example.com"])
    from_name: str
    to_addresses: list[str]
    subject: str
    date: datetime | None
    received_at: datetime
    text: str = Field(description="New text only (quotes and signature removed).")
    quoted_text: str
    html: str | None = Field(
        default=None,
        description="The HTML part as the client sent it (quotes included, not sanitized: "
        "render it only in a sandbox), or null when the mail had none.",
    )
    language: str | None = Field(examples=["en"])
    language_iso: str | None = Field(examples=["en"])
    status: Literal["pending", "claimed", "done", "failed", "skipped"]
    release: str | None = Field(examples=["v1"])
    labels: list[Label] = Field(description="Effective labels (reviewer's when corrected).")
    model_labels: list[Label]
    corrected_labels: list[Label] | None
    scores: dict[str, float] | None = Field(
        examples=[
            {"abuse": 0.97, "pessimism": 0.12, "unreasonable_demand": 0.31, "slow_response": 0.02}
        ]
    )
    evidence: dict[str, list[dict[str, Any]]] = Field(examples=[{"abuse": EVIDENCE_EXAMPLE}])
    reply_gap_seconds: int | None = Field(examples=[259200])
    answered_message_id: int | None


class FeedbackIn(RequestBody):
    labels: list[Label] = Field(
        description="The complete, correct label set ([] = none of the labels apply).",
        max_length=len(LABELS),
        examples=[["pessimism"]],
    )
    reviewer: FreeText = Field(default="", max_length=MAX_TEXT, examples=["anna@agency.example"])
    note: FreeText = Field(default="", max_length=5000, examples=["sarcasm, not abuse"])


class FeedbackOut(BaseModel):
    id: int
    message_id: int
    labels: list[Label]
    model_labels: list[str]
    release: str | None
    reviewer: str
    note: str
    created_at: datetime


class ReloadIn(RequestBody):
    release: FreeText | None = Field(
        default=None,
        max_length=64,
        description="Release to load; default: the one `current` names.",
    )


class ReloadOut(BaseModel):
    release: str = Field(examples=["v2"])
    previous: str | None = Field(examples=["v1"])


class ReclassifyIn(RequestBody):
    include_failed: bool = False
    everything: bool = Field(
        default=False, description="Also messages the loaded release already classified."
    )
    client_id: IdIn | None = None


class ReclassifyOut(BaseModel):
    queued: int
    release: str | None


class QueueOut(BaseModel):
    depth: dict[str, int] = Field(
        examples=[{"pending": 3, "claimed": 1, "done": 120, "failed": 0, "skipped": 95}]
    )
    release: str | None
