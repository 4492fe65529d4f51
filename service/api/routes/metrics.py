"""``GET /metrics``: Prometheus text format (requests, latency, queue, throughput, labels)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.errors import DATABASE_ERRORS
from service.db.queue import queue_depth
from service.metrics import QUEUE_DEPTH

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request) -> Response:
    try:
        with request.app.state.db.sessionmaker() as session:
            for status, count in queue_depth(session).items():
                QUEUE_DEPTH.labels(status).set(count)
    except DATABASE_ERRORS:
        pass  # still serve the other metrics; /readyz reports the database
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
