"""Alembic environment: the app's metadata, and the engine handed over by the caller.

The service runs migrations programmatically (:func:`service.db.schema.upgrade` passes
its engine in ``config.attributes``); the ``alembic`` CLI falls back to the settings' URL.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from service.config import get_settings
from service.db.models import Base
from service.db.session import make_engine

target_metadata = Base.metadata


def _engine() -> Engine:
    engine = context.config.attributes.get("engine")
    return engine if engine is not None else make_engine(get_settings().effective_database_url())


def run_migrations_online() -> None:
    engine = _engine()
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
