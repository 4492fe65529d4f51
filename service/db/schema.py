"""Schema versions: upgrade under a lock, check before serving, report current and history.

Migrating is its own step (``triage db upgrade``): with several API and worker processes
starting at once against one PostgreSQL, each running ``alembic upgrade`` itself would race.
So every process checks the schema at start and refuses to run on another version with a
message that says what to do (:class:`SchemaMismatch`). Where auto-migration is on (the
default for the embedded SQLite database; ``TRIAGE_AUTO_MIGRATE``), the upgrade runs under a
database-wide lock -- a PostgreSQL advisory lock, or an exclusive lock file next to the SQLite
database -- so exactly one process migrates and the others wait, then find it done.
"""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from service.config import Settings
from service.db.errors import SchemaMismatch
from service.db.session import MIGRATIONS_DIR, code_revision, database_revision

logger = logging.getLogger(__name__)
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # plugin set-up noise

ADVISORY_LOCK_KEY = 0x7472_6961_6765  # "triage": one key for every process of this service
"""PostgreSQL advisory lock held while migrating (session-level, released on disconnect)."""


@dataclass(frozen=True)
class Revision:
    id: str
    down: str | None
    doc: str


def alembic_config(engine: Engine | None = None) -> Any:
    """An Alembic config pointing at the packaged migrations (no alembic.ini needed)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def _script() -> Any:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


def head_revision() -> str:
    """The revision this code needs."""
    head = _script().get_current_head()
    assert head is not None, "no migrations packaged"
    return str(head)


def history() -> list[Revision]:
    """Every packaged revision, oldest first."""
    revisions = list(_script().walk_revisions())
    return [
        Revision(r.revision, r.down_revision, " ".join((r.doc or "").split()))
        for r in reversed(revisions)
    ]


current_revision = database_revision
"""The database's revision (None: never migrated)."""


def check_schema(engine: Engine) -> None:
    """Raise :class:`SchemaMismatch` unless the database is at :func:`head_revision`."""
    current, head = current_revision(engine), head_revision()
    if current == head:
        return
    if current is not None and current not in {r.id for r in history()}:
        raise SchemaMismatch(
            f"database schema is at revision {current}, newer than this code knows (head "
            f"{head}): run the release that migrated it, or a newer one"
        )
    found = f"at revision {current}" if current else "empty (never migrated)"
    raise SchemaMismatch(
        f"database schema is {found}, this code needs {head}: run `triage db upgrade` "
        "(or set TRIAGE_AUTO_MIGRATE=true on exactly one process)"
    )


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Exclusive across every process that migrates this database, for as long as it runs."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            try:
                yield
            finally:
                connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY}
                )
                connection.commit()
        return
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield  # a private in-memory database: nobody to race with
        return
    with open(f"{database}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """``alembic upgrade`` under :func:`migration_lock` (idempotent; cheap when up to date)."""
    from alembic import command

    with migration_lock(engine):
        before = current_revision(engine)
        command.upgrade(alembic_config(engine), revision)
        after = current_revision(engine)
    if before != after:
        logger.info(
            "database schema upgraded",
            extra={"backend": engine.dialect.name, "from": before, "to": after},
        )


def prepare_schema(engine: Engine, settings: Settings) -> None:
    """At start-up: migrate (under the lock) where auto-migration is on, else check. A database
    already at this code's revision costs one query and no Alembic import (``triage deliver``
    runs once per message)."""
    if database_revision(engine) == code_revision():
        return
    if settings.migrates_automatically():
        upgrade(engine)
    else:
        check_schema(engine)
