"""One-time webhook tokens: refused across processes until they expire, and recorded atomically
with the mail they came with."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from service.db import ingest
from service.db.replay import TokenReused, record_token
from service.db.session import Database
from service.mail.parse import parse_mime


def accepted(database: Database, key: str, ttl_seconds: float) -> bool:
    try:
        with database.connection() as connection:
            record_token(connection, key, ttl_seconds)
    except TokenReused:
        return False
    return True


def test_token_accepted_once_until_expired(database: Database) -> None:
    assert accepted(database, "mailgun:t1", 60)
    assert not accepted(database, "mailgun:t1", 60)
    assert accepted(database, "mailgun:t2", -1)  # already expired when recorded
    assert accepted(database, "mailgun:t2", 60)


def test_processes_share_the_tokens(database: Database, concurrently: Callable) -> None:
    results: list[bool] = []
    concurrently(lambda db: results.append(accepted(db, "k", 60)), 4)
    assert sorted(results) == [False, False, False, True]


def test_failed_store_does_not_burn_the_token(
    database: Database, settings, build_mime: Callable, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = parse_mime(build_mime("Retried after our failure."))
    token = ("mailgun:t3", 60.0)

    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(ingest, "ingest_one", broken)
        with pytest.raises(RuntimeError):
            ingest.ingest_messages(database, [message], settings, one_time_token=token)
    (stored,) = ingest.ingest_messages(database, [message], settings, one_time_token=token)
    assert not stored.duplicate
    with pytest.raises(TokenReused):  # the provider replays the delivered post
        ingest.ingest_messages(database, [message], settings, one_time_token=token)
