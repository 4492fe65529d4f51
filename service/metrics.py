"""Prometheus metrics, defined once per process (the default registry refuses duplicates)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

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
