"""Request and response bodies of the ``/v1`` API, with the examples shown in the OpenAPI schema."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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


class ErrorBody(BaseModel):
    """Every error: a clear message, never a stack trace."""

    detail: Any = Field(examples=["missing API key"])


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


class Mapping(BaseModel):
    kind: Literal["address", "domain"] = Field(examples=["domain"])
    value: str = Field(examples=["example.ru"])


class MappingCreate(Mapping):
    move: bool = Field(
        default=False,
        description="Take the address/domain (and its stored mail) over from another client.",
    )


class ClientCreate(BaseModel):
    name: str = Field(examples=["Petrov & Co"], max_length=320)
    mappings: list[Mapping] = Field(
        default_factory=list, examples=[[{"kind": "domain", "value": "example.ru"}]]
    )


class ClientUpdate(BaseModel):
    name: str = Field(examples=["Petrov & Co (Moscow office)"], max_length=320)


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


class FeedbackIn(BaseModel):
    labels: list[Label] = Field(
        description="The complete, correct label set ([] = none of the labels apply).",
        examples=[["pessimism"]],
    )
    reviewer: str = Field(default="", max_length=320, examples=["anna@agency.example"])
    note: str = Field(default="", max_length=5000, examples=["sarcasm, not abuse"])


class FeedbackOut(BaseModel):
    id: int
    message_id: int
    labels: list[Label]
    model_labels: list[str]
    release: str | None
    reviewer: str
    note: str
    created_at: datetime


class ReloadIn(BaseModel):
    release: str | None = Field(
        default=None, description="Release to load; default: the one `current` names."
    )


class ReloadOut(BaseModel):
    release: str = Field(examples=["v2"])
    previous: str | None = Field(examples=["v1"])


class ReclassifyIn(BaseModel):
    include_failed: bool = False
    everything: bool = Field(
        default=False, description="Also messages the loaded release already classified."
    )
    client_id: int | None = None


class ReclassifyOut(BaseModel):
    queued: int
    release: str | None


class QueueOut(BaseModel):
    depth: dict[str, int] = Field(
        examples=[{"pending": 3, "claimed": 1, "done": 120, "failed": 0, "skipped": 95}]
    )
    release: str | None
