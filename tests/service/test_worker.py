"""The classification worker: concurrent workers, restarts, leases, retries (both backends)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update

from service.config import Settings
from service.db.ingest import ingest_messages
from service.db.models import Flag, Message, MessageStatus, utcnow
from service.db.queue import claim_batch
from service.db.session import Database
from service.mail.parse import parse_mime
from service.runtime import ClassifierHolder
from service.worker import Worker


def _holder(classifier: Any) -> ClassifierHolder:
    holder = ClassifierHolder(lambda _version: classifier)
    holder.reload()
    return holder


def _store(database: Database, settings: Settings, build_mime: Callable, texts: list[str]) -> None:
    messages = [parse_mime(build_mime(text, subject=f"s{i}")) for i, text in enumerate(texts)]
    ingest_messages(database, messages, settings)


def _statuses(database: Database) -> Counter[str]:
    with database.session() as session:
        return Counter(
            dict(
                session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
            )
        )


def test_concurrent_workers_never_double_flag(
    database: Database,
    build_settings: Callable,
    build_mime: Callable,
    fake_classifier: Any,
    concurrently: Callable,
) -> None:
    settings = build_settings(worker_batch_size=3)
    texts = [f"message {i}: this is pointless, you idiots" for i in range(30)]
    _store(database, settings, build_mime, texts)
    classifier = fake_classifier(delay=0.02)
    holder = _holder(classifier)
    concurrently(lambda db: Worker(db, holder, settings, name=f"w{id(db)}").drain(), 4)

    scored = Counter(t for t in classifier.seen)
    assert len(scored) == 30 and set(scored.values()) == {1}  # each message classified once
    with database.session() as session:
        flags = session.execute(select(Flag.message_id, Flag.label)).all()
    assert len(flags) == 60 and len(set(flags)) == 60
    assert _statuses(database) == Counter({"done": 30})


def test_restart_mid_queue_loses_nothing(
    settings: Settings, build_mime: Callable, fake_classifier: Any, stub_language: None
) -> None:
    first = Database.from_settings(settings)
    first.upgrade()
    _store(first, settings, build_mime, [f"note {i}: for free please" for i in range(5)])
    # A worker claims a batch and "crashes" before writing anything.
    with first.session() as session:
        claimed = claim_batch(
            session, "crashed-worker", settings.model_copy(update={"worker_batch_size": 2})
        )
    assert len(claimed) == 2
    first.dispose()

    # A new process: unclaimed rows are classified now, the crashed claim after its lease.
    settings = settings.model_copy(update={"worker_lease_seconds": 60.0})
    second = Database.from_settings(settings)
    worker = Worker(second, _holder(fake_classifier()), settings)
    assert worker.drain() == 3
    assert _statuses(second) == Counter({"done": 3, "claimed": 2})
    with second.session() as session:
        session.execute(
            update(Message)
            .where(Message.id.in_(claimed))
            .values(claimed_until=utcnow() - timedelta(seconds=1))
        )
    assert worker.drain() == 2
    assert _statuses(second) == Counter({"done": 5})
    with second.session() as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 5
    second.dispose()


def test_late_worker_cannot_write_after_losing_its_lease(
    database: Database, settings: Settings, build_mime: Callable, fake_classifier: Any
) -> None:
    from models.prediction import ClassifyInput
    from service.db.queue import complete
    from service.pipeline import classify_batch

    _store(database, settings, build_mime, ["you idiots"])
    with database.session() as session:
        (message_id,) = claim_batch(session, "slow", settings)
        session.execute(update(Message).values(claimed_until=utcnow() - timedelta(seconds=1)))
    fast = Worker(database, _holder(fake_classifier()), settings, name="fast")
    assert fast.drain() == 1
    result = classify_batch(fake_classifier(), [ClassifyInput(str(message_id), "you idiots")])[0]
    with database.session() as session:
        assert complete(session, message_id, "slow", result) is None
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Flag)) == 1


def test_failures_retry_with_backoff_then_give_up(
    database: Database, build_settings: Callable, build_mime: Callable, fake_classifier: Any
) -> None:
    settings = build_settings(worker_max_attempts=2, worker_backoff_seconds=3600.0)
    _store(database, settings, build_mime, ["fine text", "POISON text", "by tomorrow"])
    worker = Worker(database, _holder(fake_classifier(fail_on="POISON")), settings)
    assert worker.drain() == 3  # the batch fails, is split, only the poison one fails
    with database.session() as session:
        poison = session.scalar(select(Message).where(Message.text.contains("POISON")))
        assert poison.status == MessageStatus.PENDING and poison.attempts == 1
        assert "model exploded" in poison.last_error
        assert poison.next_attempt_at > utcnow() + timedelta(minutes=59)  # backed off
    assert _statuses(database)["done"] == 2
    assert worker.drain() == 0  # not due yet
    with database.session() as session:
        session.execute(update(Message).values(next_attempt_at=utcnow()))
    assert worker.drain() == 1
    with database.session() as session:
        poison = session.scalar(select(Message).where(Message.text.contains("POISON")))
        assert poison.status == MessageStatus.FAILED and poison.attempts == 2


def test_worker_waits_for_the_model(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    _store(database, settings, build_mime, ["anything"])
    holder = ClassifierHolder(lambda _version: None)
    assert Worker(database, holder, settings).run_once() == 0
    assert _statuses(database) == Counter({"pending": 1})


def test_worker_stores_and_classifies_what_the_pipe_spooled(
    database: Database, settings: Settings, build_mime: Callable, fake_classifier: Callable
) -> None:
    """``triage deliver`` only spools: the worker of the same host stores, then classifies."""
    from service.spool import Spool

    spool = Spool(settings.effective_spool_dir())
    spool.put(build_mime("Pay by tomorrow or else"), "inbound")
    spool.put(b"not mail at all", "inbound")
    worker = Worker(database, _holder(fake_classifier()), settings)
    assert worker.drain() == 1
    assert _statuses(database) == Counter({MessageStatus.DONE: 1})
    assert spool.depth() == 0 and len(list(spool.rejected.glob("*.reason"))) == 1
