"""The normalized message: the one shape every inbound adapter produces.

Data flows one way: inbound adapter -> NormalizedMessage -> cleaning -> language ->
classifier -> store. Adapters fill what their provider gives; ``service.mail.parse``
fills the rest from raw MIME when it is available.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum


class MailParseError(ValueError):
    """The input is not an e-mail message (no header block, no sender), or unreadable even
    best-effort."""


class Direction(StrEnum):
    """Inbound = client mail we classify; outbound = the provider's own sent mail (timing only)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


@dataclass
class NormalizedMessage:
    """A provider-independent e-mail, after MIME decoding and reply/signature cleaning."""

    from_address: str
    """Sender address, normalized (lower-case, ``+tag`` removed)."""
    to_addresses: list[str] = field(default_factory=list)
    from_name: str = ""
    subject: str = ""
    date: datetime | None = None
    """``Date`` header (timezone-aware), or None when missing/unparseable."""
    message_id: str | None = None
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    text: str = ""
    """New text only: quoted history and signature removed. This is what gets classified."""
    quoted_text: str = ""
    quoted_date: datetime | None = None
    """Date read from the quoted attribution line ("On ... wrote:"), kept for reply timing."""
    signature: str = ""
    html: str | None = None
    """The HTML body as the client sent it (quotes and all, not sanitized), when there was
    one: for people who want to see the mail as it looked; never classified."""
    charset: str | None = None
    attachments: int = 0
    direction: Direction = Direction.INBOUND
    raw_mime: bytes | None = None
    """The original bytes when the provider gave raw MIME (kept per the retention setting)."""
    provider: str = "raw"

    def __post_init__(self) -> None:
        """NUL never survives into a message: no mail means it, and PostgreSQL text cannot
        hold it (storing such a mail failed). Found by fuzzing the MIME parser."""
        for name, value in vars(self).items():
            if isinstance(value, str) and "\x00" in value:
                setattr(self, name, value.replace("\x00", ""))
            elif isinstance(value, list) and any("\x00" in item for item in value):
                setattr(self, name, [item.replace("\x00", "") for item in value])

    def to_json_dict(self) -> dict:
        """JSON-ready view (``triage parse`` output); bytes dropped, datetimes ISO 8601."""
        data = asdict(self)
        data.pop("raw_mime")
        for key in ("date", "quoted_date"):
            data[key] = data[key].isoformat() if data[key] else None
        data["direction"] = self.direction.value
        return data
