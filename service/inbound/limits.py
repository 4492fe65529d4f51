"""Size limits: refuse oversized bodies before decoding anything, and oversized messages."""

from __future__ import annotations

from service.config import Settings
from service.inbound.errors import PayloadTooLarge
from service.inbound.request import InboundRequest

ENVELOPE_SLACK_BYTES = 1024 * 1024
"""Room for a provider's JSON/form envelope around a maximum-size message."""


def check_request_size(request: InboundRequest, settings: Settings, *, envelope: bool) -> None:
    """Reject an oversized body before decoding anything.

    ``envelope=False``: the body *is* the message (raw MIME), so the limit is
    ``max_message_bytes``. ``envelope=True``: the message travels base64-encoded inside JSON or a
    form, so a maximum-size message needs 4/3 of the limit plus room for the other fields.
    ``Content-Length`` is checked too, so a route streaming the body can call this first.
    """
    limit = settings.max_message_bytes
    if envelope:
        limit = limit * 4 // 3 + ENVELOPE_SLACK_BYTES
    declared = request.headers.get("content-length", "").strip()
    size = max(len(request.body), int(declared) if declared.isdigit() else 0)
    if request.form is not None or request.files is not None:
        size = max(size, _parsed_size(request))
    if size > limit:
        raise PayloadTooLarge(f"request body is {size} bytes; the limit is {limit}")


def check_message_size(size: int, settings: Settings) -> None:
    """Reject a decoded message above ``max_message_bytes``."""
    if size > settings.max_message_bytes:
        raise PayloadTooLarge(f"message is {size} bytes; the limit is {settings.max_message_bytes}")


def _parsed_size(request: InboundRequest) -> int:
    fields = sum(
        len(v.encode()) if isinstance(v, str) else sum(len(x.encode()) for x in v)
        for v in (request.form or {}).values()
    )
    return fields + sum(len(f.data) for f in request.files or ())
