"""``triage deliver``, ``api-key``, ``export-feedback`` and ``reclassify`` (both backends)."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from service.cli import main
from service.commands import deliver
from service.config import Settings, get_settings
from service.db.models import ApiKey, Message
from service.db.session import Database, open_database
from service.inbound.pipe import drain_spool
from service.risk.refresh import record_correction
from service.runtime import ClassifierHolder
from service.spool import Spool
from service.worker import Worker
from training.validate import validate


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Iterator[Settings]:
    """Point the CLI's settings at the test database."""
    monkeypatch.setenv("TRIAGE_DATABASE_URL", settings.effective_database_url())
    monkeypatch.setenv("TRIAGE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("TRIAGE_RELEASES_DIR", str(settings.releases_dir))
    monkeypatch.setenv("TRIAGE_AUTO_MIGRATE", "true")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def _deliver(monkeypatch: pytest.MonkeyPatch, raw: bytes, *args: str) -> int:
    monkeypatch.setattr("sys.stdin", SimpleNamespace(buffer=io.BytesIO(raw)))
    return main(["deliver", *args])


def _count(settings: Settings) -> int:
    database = Database.from_settings(settings)
    with database.session() as session:
        count = session.scalar(select(func.count()).select_from(Message)) or 0
    database.dispose()
    return count


def _store_spool(settings: Settings) -> int:
    """What the workers on the MTA's host do: store the spooled messages."""
    database = open_database(settings)
    try:
        return drain_spool(Spool(settings.effective_spool_dir()), database, settings, 100)
    finally:
        database.dispose()


def test_deliver_exit_codes(
    env: Settings, monkeypatch: pytest.MonkeyPatch, build_mime: Callable, capsys: Any
) -> None:
    raw = build_mime("Where is the invoice?")
    assert _deliver(monkeypatch, raw) == deliver.EX_OK
    assert "spooled" in capsys.readouterr().out
    assert _deliver(monkeypatch, raw) == deliver.EX_OK  # the MTA retried: spooled again
    assert _store_spool(env) == 2  # ... and stored once: the second is a redelivery
    assert _count(env) == 1
    assert Spool(env.effective_spool_dir()).depth() == 0

    assert _deliver(monkeypatch, b"\x00 this is no mail") == deliver.EX_DATAERR
    assert "rejected" in capsys.readouterr().err
    no_sender = b"Subject: hi\r\n\r\nwho wrote this?"
    assert _deliver(monkeypatch, no_sender) == deliver.EX_DATAERR
    assert "no sender address" in capsys.readouterr().err
    monkeypatch.setenv("TRIAGE_MAX_MESSAGE_BYTES", "100")
    get_settings.cache_clear()
    assert _deliver(monkeypatch, raw) == deliver.EX_DATAERR
    monkeypatch.delenv("TRIAGE_MAX_MESSAGE_BYTES")

    blocked = env.data_dir / "not-a-folder"
    blocked.write_text("a file where the spool folder should be")
    monkeypatch.setenv("TRIAGE_SPOOL_DIR", str(blocked))
    get_settings.cache_clear()
    assert _deliver(monkeypatch, build_mime("new one")) == deliver.EX_TEMPFAIL
    assert "temporary failure" in capsys.readouterr().err


def test_spooled_mail_survives_a_database_outage(
    env: Settings, monkeypatch: pytest.MonkeyPatch, build_mime: Callable
) -> None:
    """Deliver needs no database; a failed store keeps the file for the next round."""
    monkeypatch.setenv("TRIAGE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    assert _deliver(monkeypatch, build_mime("sent while the database was down")) == deliver.EX_OK
    down = get_settings()
    spool = Spool(down.effective_spool_dir())
    database = Database.from_settings(down)
    assert drain_spool(spool, database, down, 10) == 0
    database.dispose()
    assert spool.depth() == 1  # released, not lost
    assert _store_spool(env) == 1 and _count(env) == 1


def test_a_dead_workers_claim_is_recovered_after_the_lease(
    env: Settings, monkeypatch: pytest.MonkeyPatch, build_mime: Callable
) -> None:
    assert _deliver(monkeypatch, build_mime("claimed, then the worker died")) == deliver.EX_OK
    spool = Spool(env.effective_spool_dir())
    (claimed,) = spool.claim(10)  # a worker took it and was killed before storing it
    assert spool.depth() == 0 and _store_spool(env) == 0  # its lease still runs
    old = claimed.stat().st_mtime - env.worker_lease_seconds - 1
    os.utime(claimed, (old, old))
    assert _store_spool(env) == 1 and _count(env) == 1


def test_deliver_outbound(
    env: Settings, monkeypatch: pytest.MonkeyPatch, build_mime: Callable
) -> None:
    raw = build_mime("Draft attached.", sender="us@agency.example", to="ivan@client.example")
    assert _deliver(monkeypatch, raw, "--direction", "outbound") == 0
    assert _store_spool(env) == 1
    database = Database.from_settings(env)
    with database.session() as session:
        message = session.scalar(select(Message))
        assert message.direction == "outbound" and message.status == "skipped"
        assert message.counterpart_address == "ivan@client.example"
    database.dispose()


def test_api_key_lifecycle(env: Settings, capsys: Any) -> None:
    assert main(["api-key", "create", "--name", "ops", "--admin"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith("trk_") and created["scopes"] == ["admin", "read", "write"]
    database = Database.from_settings(env)
    with database.session() as session:
        row = session.get(ApiKey, created["id"])
        assert row.key_hash != created["key"] and created["key"] not in row.key_hash
    database.dispose()
    assert main(["api-key", "list"]) == 0
    listing = capsys.readouterr().out
    assert "ops" in listing and "admin" in listing and created["key"] not in listing
    assert main(["api-key", "revoke", str(created["id"])]) == 0
    assert main(["api-key", "revoke", str(created["id"])]) == 1
    capsys.readouterr()
    assert main(["api-key", "create", "--name", "mta", "--scope", "inbound"]) == 0
    assert json.loads(capsys.readouterr().out)["scopes"] == ["inbound"]
    assert main(["api-key", "create", "--name", "dashboard"]) == 0
    assert json.loads(capsys.readouterr().out)["scopes"] == ["read"]  # the default: read only


def test_export_feedback_validates_as_a_corpus(
    env: Settings,
    database: Database,
    build_mime: Callable,
    fake_classifier: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = {
        "en": "You are idiots, honestly.",
        "ru": "Это бесполезно, ничего не выйдет.",
        "ko": "오늘까지 꼭 답변 부탁드립니다.",
    }
    for language, text in texts.items():
        assert _deliver(monkeypatch, build_mime(text, subject=f"{language} mail")) == 0
    assert _deliver(monkeypatch, build_mime("no feedback for me")) == 0
    holder = ClassifierHolder(lambda _v: fake_classifier())
    holder.reload()
    assert Worker(database, holder, env).drain() == 4
    with database.session() as session:
        for message in session.scalars(select(Message).where(Message.subject.like("% mail"))):
            labels = ["abuse"] if message.language == "ru" else []
            record_correction(session, message, labels, env, reviewer="anna")

    output = tmp_path / "feedback.jsonl"
    assert main(["export-feedback", "-o", str(output)]) == 0
    records = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert sorted(r["language"] for r in records) == ["en", "ko", "ru"]
    ru = next(r for r in records if r["language"] == "ru")
    assert ru["labels"] == ["abuse"] and ru["id"].startswith("ru-fb-")
    assert "reviewer feedback by anna" in ru["provenance"] and ru["trade"] == ""
    report = validate([output], quotas=False)
    assert report.ok, report.errors


def test_reclassify_queues_messages_of_older_releases(
    env: Settings, database: Database, build_mime: Callable, fake_classifier: Any,
    monkeypatch: pytest.MonkeyPatch, capsys: Any,
) -> None:  # fmt: skip
    for i in range(3):
        assert _deliver(monkeypatch, build_mime(f"message {i}")) == 0
    holder = ClassifierHolder(lambda _v: fake_classifier(version="v1"))
    holder.reload()
    Worker(database, holder, env).drain()
    releases = env.releases_dir
    (releases / "v2").mkdir(parents=True)
    (releases / "v2" / "release.json").write_text("{}")
    (releases / "current").write_text("v2\n")

    assert main(["reclassify"]) == 0
    assert "queued 3 messages for release v2" in capsys.readouterr().out
    v2 = ClassifierHolder(lambda _v: fake_classifier(version="v2"))
    v2.reload()
    assert Worker(database, v2, env).drain() == 3
    assert main(["reclassify"]) == 0
    assert "queued 0 messages" in capsys.readouterr().out
