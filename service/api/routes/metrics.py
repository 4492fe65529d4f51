"""``GET /metrics``: Prometheus text format (requests, latency, queue, throughput, labels).

Flag counts per label say how a provider's client relationships go, so the endpoint takes a
bearer token (``TRIAGE_METRICS_TOKEN``, Prometheus' ``authorization`` scrape setting) when set.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.errors import DATABASE_ERRORS
from service.api.ratelimit import record_failure, refuse_if_blocked
from service.api.schemas import SERVICE_ERRORS
from service.db.queue import queue_depth
from service.inbound.auth import bearer_matches, secret_value
from service.metrics import QUEUE_DEPTH

router = APIRouter(tags=["health"])


def _require_token(request: Request) -> None:
    expected = secret_value(request.app.state.settings.metrics_token)
    if expected is None:
        return
    refuse_if_blocked(request)
    if not bearer_matches(request, expected):
        record_failure(request)
        raise HTTPException(
            401, "missing or invalid bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        401: {"description": "TRIAGE_METRICS_TOKEN is set and was not presented."},
        429: SERVICE_ERRORS[429],
    },
)
def metrics(request: Request) -> Response:
    _require_token(request)
    try:
        with request.app.state.db.sessionmaker() as session:
            for status, count in queue_depth(session).items():
                QUEUE_DEPTH.labels(status).set(count)
    except DATABASE_ERRORS:
        pass  # still serve the other metrics; /readyz reports the database
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
