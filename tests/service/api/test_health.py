"""Liveness, and readiness of a node without a worker (no model is loaded there)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.api.routes.health import NO_MODEL
from service.config import Settings
from service.db.api_keys import create_key
from service.db.models import Scope
from service.main import create_app


def test_healthz(tmp_path: Path) -> None:
    # A throw-away database and no model: liveness must not depend on either.
    settings = Settings(_env_file=None, data_dir=tmp_path, releases_dir=tmp_path / "none")
    with TestClient(create_app(settings, run_worker=False)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_api_only_node_is_ready_without_loading_the_model(tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    releases.mkdir()
    (releases / "current").write_text("v9\n")
    settings = Settings(_env_file=None, data_dir=tmp_path, releases_dir=releases)
    loads: list[str | None] = []
    app = create_app(settings, classifier_loader=loads.append, run_worker=False)
    with TestClient(app) as client:
        ready = client.get("/readyz")
        with app.state.db.session() as session:
            admin = create_key(session, "admin", [Scope.READ, Scope.ADMIN]).key
        queue = client.get("/v1/admin/queue", headers={"X-API-Key": admin})
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "model": NO_MODEL}
    assert queue.json()["release"] == "v9"  # what the workers load, from the pointer
    assert loads == []  # an API-only node spends neither memory nor start-up on the model
