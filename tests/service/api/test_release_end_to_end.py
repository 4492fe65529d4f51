"""The shipped release behind the real service path: webhook -> worker -> client history.

Skipped until a release is shipped (``models/releases/current``); slow (loads the model).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from models.paths import REPO_ROOT
from service.config import Settings
from service.db.api_keys import create_key
from service.main import create_app

RELEASES = REPO_ROOT / "models" / "releases"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (RELEASES / "current").exists(), reason="no shipped model release"),
]


def test_real_release_classifies_posted_mail(
    base_model_dir: str, build_mime: Callable, tmp_path: Path
) -> None:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite:///{tmp_path / 'triage.db'}",
        auto_migrate=True,  # a named database is only checked unless told to migrate
        data_dir=tmp_path,
        releases_dir=RELEASES,
        inbound_token="t",
        worker_poll_seconds=0.1,
    )
    current = (RELEASES / "current").read_text().strip()
    raw = build_mime(
        "Are you actually this thick or is it an act? I told you THREE times the logo goes top "
        "left. My 12 year old could follow that. Fix it and stop wasting my time, you idiot.",
        subject="Re: homepage mockup v3",
    )
    with TestClient(create_app(settings, run_worker=True)) as client:
        with client.app.state.db.session() as session:
            key = {"X-API-Key": create_key(session, "e2e").key}
        posted = client.post(
            "/v1/inbound/raw",
            content=raw,
            headers={"Content-Type": "message/rfc822", "Authorization": "Bearer t"},
        )
        assert posted.status_code == 202
        stored = posted.json()["messages"][0]
        message: dict[str, Any] = {}
        deadline = time.monotonic() + 300  # model load + first batch on 2 shared cores
        while time.monotonic() < deadline and message.get("status") != "done":
            time.sleep(0.5)
            message = client.get(f"/v1/messages/{stored['id']}", headers=key).json()
        assert message["status"] == "done" and message["release"] == current
        assert message["language"] == "en" and "abuse" in message["labels"]
        assert client.get("/readyz").json()["checks"]["model"] == current
        summary = client.get(f"/v1/clients/{stored['client_id']}", headers=key).json()
        assert summary["risk"]["level"] == "red"
