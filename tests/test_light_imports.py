"""Light paths stay light: storage, inbound, the API, the dashboard and the MTA pipe never
import torch.

``triage deliver`` runs once per message under an MTA and ``triage --help`` is typed by people;
an API-only node serves without a model. Each check runs in a fresh interpreter, since this
test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from models.paths import REPO_ROOT

HEAVY = ("torch", "transformers", "peft", "safetensors")
PROBE = """
import json, sys
{body}
print(json.dumps(sorted(m for m in {watched!r} if m in sys.modules)))
"""


def _loaded(body: str, watched: tuple[str, ...] = HEAVY, **run: object) -> list[str]:
    script = PROBE.format(body=body, watched=watched)
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True, text=True, cwd=REPO_ROOT, check=True, **run,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_storage_inbound_and_api_packages_do_not_import_torch() -> None:
    modules = (
        "service.db.queue", "service.db.flags", "service.db.ingest", "service.db.facts",
        "service.inbound.registry", "service.api", "service.main", "service.worker",
        "service.pipeline", "service.risk.refresh", "models.registry", "models.prediction",
        "service.dashboard", "service.dashboard.routes.clients", "service.dashboard.routes.review",
        "service.dashboard.routes.overview", "service.dashboard.routes.auth",
    )  # fmt: skip
    assert _loaded("\n".join(f"import {m}" for m in modules)) == []


def test_the_app_serves_without_a_model_import() -> None:
    body = (
        "from service.main import create_app\n"
        "from service.config import Settings\n"
        "create_app(Settings(), run_worker=False)"
    )
    assert _loaded(body) == []


def test_help_imports_no_command_module() -> None:
    body = "from service.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert _loaded(body, ("service.commands.serve", "service.commands.train", *HEAVY)) == []


def test_deliver_imports_neither_torch_nor_a_database_driver(
    tmp_path: Path, build_mime_bytes: bytes
) -> None:
    body = "from service.cli import main\ncode = main(['deliver'])\nassert code == 0, code"
    env = {"TRIAGE_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    loaded = _loaded(
        body, (*HEAVY, "sqlalchemy", "alembic"), input=build_mime_bytes.decode(), env=env
    )
    assert loaded == []
    assert len(list((tmp_path / "spool" / "new").iterdir())) == 1


@pytest.fixture
def build_mime_bytes() -> bytes:
    return (
        b"From: Greg <greg@acme.example>\r\nTo: studio@agency.example\r\nSubject: invoice\r\n"
        b"Message-ID: <light-1@acme.example>\r\nDate: Fri, 04 Dec 2026 10:00:00 +0000\r\n\r\n"
        b"Hello, where is the invoice?\r\n"
    )
