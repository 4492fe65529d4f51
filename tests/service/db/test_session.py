"""Opening a database: the schema is migrated once, and an up-to-date one is not touched."""

from __future__ import annotations

from alembic.script import ScriptDirectory

from service.config import Settings
from service.db.schema import alembic_config
from service.db.session import code_revision, database_revision, open_database


def test_code_revision_is_alembics_head() -> None:
    assert code_revision() == ScriptDirectory.from_config(alembic_config()).get_current_head()


def test_open_database_migrates_a_fresh_database_then_skips_alembic(tmp_path, monkeypatch) -> None:
    settings = Settings(data_dir=tmp_path, database_url=None)
    database = open_database(settings)
    assert database_revision(database.engine) == code_revision()
    database.dispose()
    # Up to date: opening again must not run Alembic at all (the MTA pipe's start-up cost).
    monkeypatch.setattr("service.db.schema.upgrade", None)  # calling it would raise
    database = open_database(settings)
    assert database_revision(database.engine) == code_revision()
    database.dispose()
