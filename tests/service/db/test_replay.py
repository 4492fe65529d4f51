"""The database replay cache: one-time tokens refused across processes, until they expire."""

from __future__ import annotations

from collections.abc import Callable

from service.db.replay import DatabaseReplayCache
from service.db.session import Database


def test_token_accepted_once_until_discarded_or_expired(database: Database) -> None:
    cache = DatabaseReplayCache(lambda: database)
    assert cache.add("mailgun:t1", ttl_seconds=60)
    assert not cache.add("mailgun:t1", ttl_seconds=60)
    cache.discard("mailgun:t1")  # the request it came with could not be stored
    assert cache.add("mailgun:t1", ttl_seconds=60)
    assert cache.add("mailgun:t2", ttl_seconds=-1)  # already expired when recorded
    assert cache.add("mailgun:t2", ttl_seconds=60)


def test_processes_share_the_cache(database: Database, concurrently: Callable) -> None:
    accepted: list[bool] = []
    concurrently(lambda db: accepted.append(DatabaseReplayCache(lambda: db).add("k", 60)), 4)
    assert sorted(accepted) == [False, False, False, True]
