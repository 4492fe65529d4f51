"""Engine and session factory, tuned per backend, plus the programmatic schema upgrade.

SQLite (the embedded default) gets WAL journaling so that the API can read while the worker
writes, a busy timeout so that a writer waits for the lock instead of failing, and foreign keys
(off by default in SQLite, but ``DELETE /v1/clients/{id}`` relies on cascades). PostgreSQL gets
``pool_pre_ping`` so that a restarted database costs one failed request, not a broken pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str, *, busy_timeout_ms: int = 10_000, pool_size: int = 10) -> Engine:
    """An engine for ``url``; SQLite files get their directory created and their pragmas set.

    The pool has no overflow: past ``pool_size`` connections SQLAlchemy would open a fresh
    connection per checkout and close it on return, and under webhook load that churn (a new
    PostgreSQL server process, or SQLite's pragmas, every time) was the bottleneck itself.
    """
    parsed = make_url(url)
    # hide_parameters: bound values (mail text, one-time tokens) never reach an error or a log.
    pool = {"pool_size": pool_size, "max_overflow": 0, "hide_parameters": True}
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, **pool)
    database = parsed.database
    in_memory = not database or database == ":memory:"
    if database and not in_memory:
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        hide_parameters=True,
        **({} if in_memory else {k: v for k, v in pool.items() if k != "hide_parameters"}),
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    return engine


class Database:
    """One engine and its session factory, created once per process (``app.state.db``)."""

    def __init__(self, url: str, *, busy_timeout_ms: int = 10_000, pool_size: int = 10) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_ms=busy_timeout_ms, pool_size=pool_size)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self._sqlite = self.engine.dialect.name == "sqlite"
        self._writer = threading.RLock() if self._sqlite else nullcontext()

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        return cls(
            settings.effective_database_url(),
            busy_timeout_ms=settings.sqlite_busy_timeout_ms,
            pool_size=settings.database_pool_size,
        )

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A write session that commits on success and rolls back on any error.

        On SQLite the write lock is taken up front (``BEGIN IMMEDIATE``): a deferred transaction
        that reads first and then writes fails at once, without waiting, when another writer
        committed in between (``SQLITE_BUSY_SNAPSHOT``), which under webhook load turned into
        errors. Writers of this process also queue on a lock instead of SQLite's busy-wait
        sleeps, which cost throughput; other processes still wait on ``busy_timeout``.
        """
        with self._writer, self.sessionmaker() as session, session.begin():
            if self._sqlite:
                session.execute(text("BEGIN IMMEDIATE"))
            yield session

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A write transaction on a plain connection, locked like :meth:`session`.

        For the webhook hot path: Core statements skip the ORM's per-statement bookkeeping,
        which was most of the CPU cost of storing a message.
        """
        with self._writer, self.engine.begin() as connection:
            if self._sqlite:
                connection.execute(text("BEGIN IMMEDIATE"))
            yield connection

    def upgrade(self) -> None:
        """``alembic upgrade head`` on this database, under the migration lock."""
        from service.db.schema import upgrade

        upgrade(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE touched (``execute`` is typed for any statement's result)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


def upsert_insert(dialect: str) -> Callable[..., Any]:
    """The ``insert`` construct of backend ``dialect``, which has ``on_conflict_do_nothing`` (the
    generic one has not): one statement instead of a read, a savepoint and a retry on conflicts."""
    return _INSERTS[dialect]


def code_revision() -> str:
    """The newest migration this code ships. Migration files are named after their revision
    (``0002_replay_tokens.py`` holds revision ``0002``), so the head is read from the folder
    without importing Alembic (a test checks it against Alembic's own answer)."""
    return max(path.name.split("_", 1)[0] for path in (MIGRATIONS_DIR / "versions").glob("*.py"))


def database_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None``: never migrated)."""
    with engine.connect() as connection:
        try:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except Exception:  # no version table yet: a fresh database
            connection.rollback()
            return None


def open_database(settings: Settings) -> Database:
    """The database of ``settings``, migrated where auto-migration is on, else checked
    (:class:`service.db.schema.SchemaMismatch` when it is not at this code's schema)."""
    from service.db.schema import prepare_schema

    database = Database.from_settings(settings)
    try:
        prepare_schema(database.engine, settings)
    except BaseException:
        database.dispose()
        raise
    return database
