"""``POST /v1/inbound/{provider}``: every provider's webhook, stored durably before any 2xx.

Status codes are a contract with the sender, which retries on 5xx and gives up on most 4xx:

* 202 -- stored (committed) for classification; 200 -- a redelivery, answered with the stored
  ids; 200 with the adapter's body for handshakes (SNS subscription confirmation).
* the adapter's status on bad auth/signature (401/403/406) or a malformed body (400/415/422);
* 413 when ``Content-Length`` or the streamed body exceeds the limit -- checked before the body
  is read in full;
* 503 (with ``Retry-After``) when *we* cannot store: the provider must try again later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api.errors import DATABASE_ERRORS, database_unavailable
from service.api.schemas import ErrorBody, InboundResponse
from service.config import Settings
from service.db.ingest import IngestOutcome, ingest_messages
from service.db.replay import TokenReused
from service.db.session import Database
from service.inbound import Adapter, InboundError, InboundRequest, InboundResult, ReplayedRequest
from service.inbound.limits import ENVELOPE_SLACK_BYTES
from service.inbound.request import Headers
from service.metrics import INGESTED

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/inbound", tags=["inbound"])


T = TypeVar("T")


class BodyTooLarge(Exception):
    pass


async def in_ingest_thread(request: Request, function: Callable[..., T], *args: object) -> T:
    """Run blocking inbound work in a worker thread, at most ``TRIAGE_INGEST_CONCURRENCY`` at
    once per process: requests beyond that wait in order on the event loop instead of sharing
    the GIL in 5 ms slices, which is what stretched tail latency under load."""
    limiter = request.app.state.ingest_limiter
    return await anyio.to_thread.run_sync(function, *args, limiter=limiter)


def body_limit(settings: Settings) -> int:
    """The largest body read at all; adapters check the exact per-provider limit after."""
    return settings.max_message_bytes + ENVELOPE_SLACK_BYTES


async def read_body(request: Request, limit: int) -> bytes:
    """The exact bytes received, refusing early (Content-Length) or while streaming."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def parse_and_store(
    adapter: Adapter, inbound: InboundRequest, settings: Settings, database: Database
) -> tuple[InboundResult, list[IngestOutcome]]:
    """Authenticate and parse, then store with the request's one-time token (if any) in one
    transaction; one thread hop per webhook. A reused token is the adapter's replay refusal."""
    result = adapter.parse(inbound, settings)
    if not result.messages:
        return result, []
    token = result.one_time_token
    try:
        outcomes = ingest_messages(
            database,
            result.messages,
            settings,
            one_time_token=(token.key, token.ttl_seconds) if token else None,
        )
    except TokenReused as exc:
        assert token is not None  # only a recorded token can be reused
        raise ReplayedRequest("token was already used", status=token.reject_status) from exc
    return result, outcomes


def _error(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status, headers=headers)


def _answer(result: InboundResult, outcomes: list[IngestOutcome]) -> JSONResponse:
    body = InboundResponse(
        messages=[
            {
                "id": o.id,
                "client_id": o.client_id,
                "duplicate": o.duplicate,
                "direction": o.direction,
            }
            for o in outcomes
        ],
        skipped=result.skipped,
    )
    fresh = any(not o.duplicate for o in outcomes)
    return JSONResponse(body.model_dump(mode="json"), status_code=202 if fresh else 200)


@router.post(
    "/{provider}",
    summary="Receive mail from a provider's webhook (raw, json, mailgun, sendgrid, ...)",
    response_model=InboundResponse,
    status_code=202,
    responses={
        200: {"description": "Redelivery of stored mail (same ids), or a provider handshake."},
        401: {"model": ErrorBody, "description": "Bad credentials or signature."},
        404: {"model": ErrorBody, "description": "Unknown or unconfigured provider."},
        413: {"model": ErrorBody, "description": "Larger than TRIAGE_MAX_MESSAGE_BYTES."},
        422: {"model": ErrorBody, "description": "Not a message."},
        503: {"model": ErrorBody, "description": "Temporarily unable to store: retry."},
    },
)
async def receive(provider: str, request: Request) -> JSONResponse:
    app = request.app
    adapter: Adapter | None = app.state.adapters.get(provider)
    if adapter is None:
        return _error(404, f"unknown inbound provider {provider!r}")
    settings: Settings = app.state.settings
    try:
        body = await read_body(request, body_limit(settings))
    except BodyTooLarge:
        return _error(413, f"message larger than {settings.max_message_bytes} bytes")
    inbound = InboundRequest(
        method=request.method,
        url=str(request.url),
        headers=Headers(request.headers.items()),
        query=dict(request.query_params),
        body=body,
    )
    try:
        result, outcomes = await in_ingest_thread(
            request, parse_and_store, adapter, inbound, settings, app.state.db
        )
    except InboundError as exc:
        logger.info("inbound refused", extra={"provider": provider, "status": exc.status})
        return _error(exc.status, exc.reason, exc.headers)
    except DATABASE_ERRORS:
        logger.exception("inbound store failed; asking the provider to retry")
        return database_unavailable()
    if not result.messages:
        return JSONResponse(result.response or {"messages": [], "skipped": result.skipped})
    for outcome in outcomes:
        INGESTED.labels(provider, str(outcome.duplicate).lower()).inc()
    if app.state.worker is not None and any(not o.duplicate for o in outcomes):
        app.state.worker.wake.set()
    return _answer(result, outcomes)
