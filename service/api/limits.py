"""Request bodies bounded on every route, before they are read.

Webhooks may carry a message of up to ``TRIAGE_MAX_MESSAGE_BYTES`` (plus its provider's
envelope); every other route takes small JSON, at most ``TRIAGE_MAX_REQUEST_BYTES``. A declared
``Content-Length`` above the bound is refused at once; a body streamed without one is counted
as it arrives and refused as soon as it passes the bound, so nothing large is ever buffered.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import Settings
from service.inbound.limits import ENVELOPE_SLACK_BYTES

WEBHOOK_PREFIX = "/v1/inbound/"


def webhook_body_limit(settings: Settings) -> int:
    """The largest webhook body read at all; adapters check the exact per-provider limit."""
    return settings.max_message_bytes * 4 // 3 + ENVELOPE_SLACK_BYTES


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimit:
    """Plain ASGI middleware (no per-request task): 413 with a JSON reason."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.webhook_limit = webhook_body_limit(settings)
        self.limit = settings.max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.webhook_limit if scope["path"].startswith(WEBHOOK_PREFIX) else self.limit
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            error = BodyTooLarge(limit)
            await JSONResponse({"detail": error.detail}, 413)(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)  # answered by the app's HTTPException handler
            return message

        await self.app(scope, counted, send)
