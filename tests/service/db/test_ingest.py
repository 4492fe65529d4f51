"""Ingest: redelivery keys (also concurrent), client identity and contact range, thread reply
gaps, raw MIME retention, the connection pool."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import func, select

from service.config import Settings
from service.db.clients import remove_mapping
from service.db.ingest import IngestOutcome, ingest_messages, purge_raw_mime, raw_mime_bytes
from service.db.models import Client, ClientAddress, Message
from service.db.session import Database
from service.mail.parse import parse_mime


def _ingest(database: Database, settings: Settings, *raws: bytes, **kw: str):
    return ingest_messages(database, [parse_mime(r) for r in raws], settings)


def test_same_message_twice_in_one_batch_is_stored_once(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    raw = build_mime("Hello", message_id="<x@client.example>")
    first, second = _ingest(database, settings, raw, raw)
    assert first.id == second.id and not first.duplicate and second.duplicate


def test_message_without_message_id_dedups_on_content(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    message = parse_mime(build_mime("Hello"))
    message.message_id = None
    (a,) = ingest_messages(database, [message], settings)
    (b,) = ingest_messages(database, [message], settings)
    assert a.id == b.id and b.duplicate


def test_plus_tags_and_case_map_to_one_client(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    a, b = _ingest(
        database,
        settings,
        build_mime("one", sender="Ivan@Client.Example"),
        build_mime("two", sender="ivan+orders@client.example"),
    )
    assert a.client_id == b.client_id


def test_redelivery_creates_no_client(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    """A redelivered mail is only looked up, even when its address no longer maps anywhere."""
    raw = build_mime("Invoice attached.", sender="ivan@client.example")
    (first,) = _ingest(database, settings, raw)
    with database.session() as session:
        assert remove_mapping(session, first.client_id, "ivan@client.example")
    (again,) = _ingest(database, settings, raw)
    assert again.duplicate and again.id == first.id
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Client)) == 1


def test_domain_grouping_spares_free_mail(
    database: Database, build_settings: Callable, build_mime: Callable
) -> None:
    settings = build_settings(client_grouping="domain")
    a, b, c, d = _ingest(
        database,
        settings,
        build_mime("1", sender="a@acme.example"),
        build_mime("2", sender="b@acme.example"),
        build_mime("3", sender="x@gmail.com"),
        build_mime("4", sender="y@gmail.com"),
    )
    assert a.client_id == b.client_id and c.client_id != d.client_id
    with database.session() as session:
        kinds = dict(session.execute(select(ClientAddress.value, ClientAddress.kind)).all())
    assert kinds == {"acme.example": "domain", "x@gmail.com": "address", "y@gmail.com": "address"}


def test_reply_gap_from_stored_thread_else_quoted_date(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    sent = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    ours = parse_mime(
        build_mime(
            "Draft attached.",
            sender="support@agency.example",
            to="ivan@client.example",
            message_id="<ours-1@agency.example>",
            date=sent,
        )
    )
    from service.mail.message import Direction

    ours.direction = Direction.OUTBOUND
    reply = build_mime(
        "Thanks.", in_reply_to="<ours-1@agency.example>", date=sent + timedelta(days=3)
    )
    quoted = build_mime(
        "Sorry for the delay.\n\nOn Mon, Mar 2, 2026 at 9:00 AM Support <s@agency.example> wrote:"
        "\n> Any news?\n",
        date=sent + timedelta(days=2),
    )
    out, answered, by_quote = ingest_messages(
        database, [ours, parse_mime(reply), parse_mime(quoted)], settings
    )
    assert out.client_id == answered.client_id == by_quote.client_id
    with database.session() as session:
        rows = {m.id: m for m in session.scalars(select(Message))}
        assert rows[answered.id].reply_gap_seconds == 3 * 86400
        assert rows[answered.id].answered_message_id == out.id
        assert rows[by_quote.id].reply_gap_seconds == 86400
        assert rows[out.id].status == "skipped" and rows[answered.id].status == "pending"
        client = session.get(Client, out.client_id)
        assert client.first_contact == sent


def test_raw_mime_kept_compressed_and_purged(
    database: Database, build_settings: Callable, build_mime: Callable
) -> None:
    raw = build_mime("Keep me " * 200)
    settings = build_settings(raw_mime_retention_days=30)
    (kept,) = _ingest(database, settings, raw)
    with database.session() as session:
        stored = session.get(Message, kept.id).raw_mime
        assert stored is not None and len(stored) < len(raw)
        assert raw_mime_bytes(stored) == raw
        assert purge_raw_mime(session, settings) == 0
        later = datetime.now(UTC) + timedelta(days=31)
        assert purge_raw_mime(session, settings, now=later) == 1
    (dropped,) = _ingest(database, build_settings(raw_mime_retention_days=0), build_mime("x"))
    with database.session() as session:
        assert session.get(Message, dropped.id).raw_mime is None


def test_contact_range_only_widens_whatever_the_order_and_zone(
    database: Database, settings: Settings, build_mime: Callable
) -> None:
    istanbul, seoul = timezone(timedelta(hours=3)), timezone(timedelta(hours=9))
    middle = datetime(2026, 3, 10, 12, 0, tzinfo=istanbul)
    earliest = datetime(2026, 3, 2, 8, 30, tzinfo=seoul)
    latest = datetime(2026, 3, 20, 23, 15, tzinfo=UTC)
    for day, sent in enumerate([middle, latest, earliest, middle + timedelta(days=1)]):
        (outcome,) = _ingest(database, settings, build_mime(f"Update {day}", date=sent))
    with database.session() as session:
        client = session.get(Client, outcome.client_id)
        assert (client.first_contact, client.last_contact) == (earliest, latest)
        assert client.first_contact.tzinfo is not None


def test_concurrent_redeliveries_store_one_row(
    database: Database, settings: Settings, build_mime: Callable, concurrently: Callable
) -> None:
    message = parse_mime(build_mime("Invoice attached", message_id="<same@client.example>"))
    outcomes: list[IngestOutcome] = []
    concurrently(lambda db: outcomes.extend(ingest_messages(db, [message], settings)), 4)
    assert len(outcomes) == 4 and len({o.id for o in outcomes}) == 1
    assert sum(not o.duplicate for o in outcomes) == 1
    with database.session() as session:
        assert len(session.scalars(select(Message)).all()) == 1


def test_pool_size_comes_from_settings_without_overflow(build_settings: Callable) -> None:
    database = Database.from_settings(build_settings(database_pool_size=3))
    try:
        assert database.engine.pool.size() == 3
        assert database.engine.pool._max_overflow == 0  # no open-and-close connections, ever
    finally:
        database.dispose()
