"""Prometheus metrics, defined once per process (the default registry refuses duplicates)."""

from __future__ import annotations

import time

from prometheus_client import Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HTTP_REQUESTS = Counter(
    "triage_http_requests_total", "HTTP requests served.", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "triage_http_request_duration_seconds",
    "HTTP request latency.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
QUEUE_DEPTH = Gauge("triage_queue_messages", "Stored messages per queue status.", ["status"])
CLASSIFIED = Counter("triage_messages_classified_total", "Messages classified.", ["release"])
CLASSIFY_SECONDS = Histogram(
    "triage_classify_batch_seconds",
    "Model time per classification batch.",
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CLASSIFY_FAILURES = Counter("triage_classify_failures_total", "Batches that failed to classify.")
LABELS_FLAGGED = Counter("triage_flags_total", "Flags written, per label.", ["label"])
INGESTED = Counter(
    "triage_messages_ingested_total", "Messages stored by ingest.", ["provider", "duplicate"]
)


class RequestMetrics:
    """Counts and times HTTP requests per route template (not per URL: ids would explode it).

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` runs every request in an
    extra task with memory streams, which costs measurably on the webhook path.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")  # set by the router
            HTTP_REQUESTS.labels(scope["method"], path, str(status)).inc()
            HTTP_LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
