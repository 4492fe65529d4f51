"""Admin and health routes: readiness, metrics and model reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def test_readyz_metrics_and_reload(
    make_api: Callable, build_mime: Callable, fake_classifier: Any
) -> None:
    api = make_api()
    assert api.client.get("/healthz").json() == {"status": "ok"}
    ready = api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["model"] == "fake-1"

    api.post_mime(build_mime("pointless"))
    api.drain()
    api.get("/v1/clients/1")
    metrics = api.client.get("/metrics").text
    assert 'triage_queue_messages{status="done"} 1.0' in metrics
    assert "triage_flags_total" in metrics
    # per route template and status, never per URL (the registry is per process: no counts)
    assert 'requests_total{method="POST",route="/v1/inbound/raw",status="202"}' in metrics
    assert 'requests_total{method="GET",route="/readyz",status="200"}' in metrics
    assert 'route="/v1/clients/{client_id}"' in metrics and "/v1/clients/1" not in metrics
    assert "triage_http_request_duration_seconds_bucket" in metrics

    replacement = fake_classifier(version="fake-2")
    api.app.state.classifier._loader = lambda _version: replacement
    reload = api.client.post("/v1/admin/reload-model", headers=api.admin)
    assert reload.json() == {"release": "fake-2", "previous": "fake-1"}
    queued = api.client.post("/v1/admin/reclassify", headers=api.admin).json()
    assert queued == {"queued": 1, "release": "fake-2"}
    api.drain()
    client_id = api.get("/v1/clients").json()["items"][0]["id"]
    flags = api.get(f"/v1/clients/{client_id}/flags").json()["items"]
    assert [(f["label"], f["release"]) for f in flags] == [("pessimism", "fake-2")]

    def broken(_version: str | None) -> Any:
        raise FileNotFoundError("no such release")

    api.app.state.classifier._loader = broken
    failed = api.client.post("/v1/admin/reload-model", headers=api.admin)
    assert failed.status_code == 409 and "fake-2" in failed.json()["detail"]
    assert api.app.state.classifier.version == "fake-2"  # still serving the old one
