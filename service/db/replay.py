"""The webhook replay cache in the database: a token accepted by one process is refused by all.

An in-process cache lets a replayed Mailgun post through whenever it reaches another process or
arrives after a restart; a row per token (kept twice the accepted timestamp age) does not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete

from service.db.models import ReplayToken, utcnow
from service.db.session import Database, upsert_insert


class DatabaseReplayCache:
    """:class:`service.inbound.ReplayCache` on the service database (``replay_tokens``)."""

    def __init__(self, database: Callable[[], Database]) -> None:
        self._database = database  # resolved per call: the app opens its database in lifespan

    def add(self, key: str, ttl_seconds: float) -> bool:
        now = utcnow()
        with self._database().session() as session:
            session.execute(delete(ReplayToken).where(ReplayToken.expires_at <= now))
            inserted = session.execute(
                upsert_insert(session)(ReplayToken)
                .values(key=key, expires_at=now + timedelta(seconds=ttl_seconds))
                .on_conflict_do_nothing(index_elements=[ReplayToken.key])
                .returning(ReplayToken.key)
            )
            return inserted.scalar_one_or_none() is not None

    def discard(self, key: str) -> None:
        with self._database().session() as session:
            session.execute(delete(ReplayToken).where(ReplayToken.key == key))
