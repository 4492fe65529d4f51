"""Migrations as their own step: a checked schema at start-up, one migrator at a time."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import cli
from service.config import Settings, get_settings
from service.db import schema
from service.db.session import Database, make_engine, open_database
from service.main import create_app


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database nobody migrated yet: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    base = os.environ.get("TRIAGE_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("TRIAGE_TEST_POSTGRES_URL not set: PostgreSQL tests skipped")
    name = f"triage_schema_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        admin.dispose()


def test_start_up_refuses_an_old_schema_with_what_to_run(empty_url: str, tmp_path: Path) -> None:
    settings = Settings(_env_file=None, database_url=empty_url, data_dir=tmp_path)
    assert not settings.migrates_automatically()  # an external database: migrating is a step
    with pytest.raises(schema.SchemaMismatch, match=r"empty.*triage db upgrade"):
        open_database(settings)
    engine = make_engine(empty_url)
    schema.upgrade(engine, "0001")
    with pytest.raises(schema.SchemaMismatch, match=f"at revision 0001.*{schema.head_revision()}"):
        schema.check_schema(engine)
    app = create_app(settings, classifier_loader=lambda _v: None, run_worker=False)
    with pytest.raises(schema.SchemaMismatch), TestClient(app):
        pass  # the service does not start either
    schema.upgrade(engine)
    schema.check_schema(engine)
    open_database(settings).dispose()
    engine.dispose()


def test_embedded_database_migrates_itself(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path)
    assert settings.migrates_automatically()
    database = open_database(settings)
    assert schema.current_revision(database.engine) == schema.head_revision()
    database.dispose()


def test_concurrent_upgrades_migrate_once(empty_url: str) -> None:
    """Five processes' worth of engines upgrade at once: all succeed, the schema is at head."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(5)

    def start() -> None:
        database = Database(empty_url)
        try:
            barrier.wait()
            schema.upgrade(database.engine)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=start) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    engine = make_engine(empty_url)
    assert schema.current_revision(engine) == schema.head_revision()
    engine.dispose()


def test_db_command(
    empty_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE_URL", empty_url)
    get_settings.cache_clear()
    run: Callable[..., Any] = cli.main
    try:
        assert run(["db", "current"]) == 1 and "empty" in capsys.readouterr().out
        assert run(["api-key", "list"]) == cli.EX_CONFIG
        assert "triage db upgrade" in capsys.readouterr().err
        assert run(["db", "upgrade"]) == 0
        assert run(["db", "current"]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == f"{schema.head_revision()}\tcurrent"
        assert run(["db", "history"]) == 0
        assert [line.split("\t")[0] for line in capsys.readouterr().out.splitlines()][:2] == [
            "0001",
            "0002",
        ]
    finally:
        get_settings.cache_clear()
