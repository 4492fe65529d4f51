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
from typing import Any, TypeVar

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.api.errors import DATABASE_ERRORS, database_unavailable
from service.api.inbound_openapi import WEBHOOKS
from service.api.ratelimit import client_address, limiter, record_failure, too_many_failures
from service.api.schemas import SERVICE_ERRORS, ErrorBody, InboundResponse, SnsHandshake
from service.config import Settings
from service.db.api_keys import KEY_PREFIX, authenticate
from service.db.ingest import IngestOutcome, ingest_messages
from service.db.models import Scope
from service.db.replay import TokenReused
from service.db.session import Database
from service.inbound import (
    Adapter,
    AuthError,
    InboundError,
    InboundRequest,
    InboundResult,
    ReplayedRequest,
)
from service.inbound.registry import ADAPTERS
from service.inbound.request import Headers
from service.metrics import INGESTED

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/inbound", tags=["inbound"])


T = TypeVar("T")

KEY_AUTHENTICATED = frozenset({"raw", "json"})
"""Our own webhooks, which take an ``inbound``-scope API key as their bearer token."""


async def in_ingest_thread(request: Request, function: Callable[..., T], *args: object) -> T:
    """Run blocking inbound work in a worker thread, at most ``TRIAGE_INGEST_CONCURRENCY`` at
    once per process: requests beyond that wait in order on the event loop instead of sharing
    the GIL in 5 ms slices, which is what stretched tail latency under load."""
    limiter = request.app.state.ingest_limiter
    return await anyio.to_thread.run_sync(function, *args, limiter=limiter)


def inbound_key_allows(database: Database, inbound: InboundRequest) -> bool:
    """Whether the request's bearer is an API key with the ``inbound`` scope (the raw and JSON
    webhooks take one instead of the shared TRIAGE_INBOUND_TOKEN)."""
    scheme, _, credentials = inbound.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer" or not credentials.startswith(KEY_PREFIX):
        return False
    with database.sessionmaker() as session:
        key = authenticate(session, credentials.strip())
        return key is not None and key.allows(Scope.INBOUND)


def parse_and_store(
    adapter: Adapter, inbound: InboundRequest, settings: Settings, database: Database
) -> tuple[InboundResult, list[IngestOutcome]]:
    """Authenticate and parse, then store with the request's one-time token (if any) in one
    transaction; one thread hop per webhook. A reused token is the adapter's replay refusal."""
    if adapter.name in KEY_AUTHENTICATED:
        inbound.trusted = inbound_key_allows(database, inbound)
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


async def receive(provider: str, request: Request) -> JSONResponse:
    """Read, authenticate, parse and store one webhook post; answer per the contract above."""
    app = request.app
    adapter: Adapter = app.state.adapters[provider]
    settings: Settings = app.state.settings
    blocked = limiter(request).retry_after(client_address(request))
    if blocked is not None:
        return too_many_failures(blocked)
    inbound = InboundRequest(
        method=request.method,
        url=str(request.url),
        headers=Headers(request.headers.items()),
        query=dict(request.query_params),
        body=await request.body(),  # bounded by the BodyLimit middleware
    )
    try:
        result, outcomes = await in_ingest_thread(
            request, parse_and_store, adapter, inbound, settings, app.state.db
        )
    except InboundError as exc:
        if isinstance(exc, AuthError):
            record_failure(request)
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


WEBHOOK_DESCRIPTION = (
    "2xx only once the mail is committed (202 new, 200 redelivery with the stored ids); 5xx "
    "asks the provider to retry; 4xx when retrying the same post cannot help."
)


def _error_response(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


WEBHOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": InboundResponse, "description": "Redelivery of stored mail (same ids)."},
    400: _error_response("The body is not the JSON or form the provider sends."),
    401: _error_response("Missing or invalid credentials."),
    403: _error_response("Bad signature, or a sender this service does not accept."),
    404: _error_response("This provider is not configured here."),
    413: _error_response("Larger than TRIAGE_MAX_MESSAGE_BYTES."),
    415: _error_response("Not a content type this provider posts."),
    422: _error_response("Well-formed, but not a usable e-mail (no sender, unparseable MIME)."),
    429: SERVICE_ERRORS[429],
    503: _error_response("Temporarily unable to store (or a configured key is unusable): retry."),
}
PROVIDER_RESPONSES: dict[str, dict[int | str, dict[str, Any]]] = {
    "mailgun": {406: _error_response("Bad signature, stale timestamp or replayed token.")},
    "ses": {
        200: {
            "model": InboundResponse | SnsHandshake,
            "description": "Redelivery, or an SNS subscription handshake.",
        }
    },
}


def _register(provider: str) -> None:
    """One documented operation per provider, each with its own body and auth."""
    doc = dict(WEBHOOKS[provider])

    async def webhook(request: Request) -> JSONResponse:
        return await receive(provider, request)

    router.add_api_route(
        f"/{provider}",
        webhook,
        methods=["POST"],
        name=f"inbound_{provider}",
        operation_id=f"inbound_{provider}",
        summary=doc.pop("summary"),
        description=doc.pop("description", WEBHOOK_DESCRIPTION),
        response_model=InboundResponse,
        status_code=202,
        responses=WEBHOOK_RESPONSES | PROVIDER_RESPONSES.get(provider, {}),
        openapi_extra=doc,
    )


for _provider in ADAPTERS:
    _register(_provider)
