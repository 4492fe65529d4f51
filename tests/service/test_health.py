"""Liveness endpoint."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from service.config import Settings
from service.main import create_app


def test_healthz(tmp_path: Path) -> None:
    # A throw-away database and no model: liveness must not depend on either.
    settings = Settings(_env_file=None, data_dir=tmp_path, releases_dir=tmp_path / "none")
    with TestClient(create_app(settings, run_worker=False)) as client:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
