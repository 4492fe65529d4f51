"""One-time webhook tokens (Mailgun's ``token``), recorded in the transaction that stores the mail.

A token accepted by one process must be refused by every process and after restarts, so it is a
row (kept twice the accepted timestamp age). It is written in the same transaction as the
messages it came with: if storing fails, the token is rolled back with them and the provider's
retry is accepted, instead of being refused as a replay and lost.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, delete

from service.db.models import ReplayToken, table, utcnow
from service.db.session import upsert_insert

tokens = table(ReplayToken)


class TokenReused(Exception):
    """The request carries a one-time token that was already accepted: a replay."""

    def __init__(self, key: str) -> None:
        super().__init__(f"token {key!r} was already used")
        self.key = key


def record_token(connection: Connection, key: str, ttl_seconds: float) -> None:
    """Record ``key`` in the caller's transaction; :class:`TokenReused` if it is already there
    and has not expired (expired tokens are dropped first)."""
    now = utcnow()
    connection.execute(delete(tokens).where(tokens.c.expires_at <= now))
    inserted = connection.execute(
        upsert_insert(connection.dialect.name)(tokens)
        .values(key=key, expires_at=now + timedelta(seconds=ttl_seconds))
        .on_conflict_do_nothing(index_elements=[tokens.c.key])
        .returning(tokens.c.key)
    )
    if inserted.scalar_one_or_none() is None:
        raise TokenReused(key)
