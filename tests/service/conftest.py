"""Service fixtures: a database per backend, a fast fake classifier, apps and API clients.

``db_url`` is parametrized over SQLite (a fresh file per test) and PostgreSQL (a schema created
for the test session and dropped afterwards; tables emptied before each test). PostgreSQL runs
only when ``TRIAGE_TEST_POSTGRES_URL`` is set (``.ci/run`` sets it when one answers) and is
skipped cleanly otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from fake_model import FakeClassifier
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from service import pipeline
from service.config import Settings
from service.db.api_keys import create_key
from service.db.models import Base, Scope
from service.db.schema import upgrade
from service.db.session import Database, make_engine
from service.language import LanguageResult
from service.main import create_app

POSTGRES_ENV = "TRIAGE_TEST_POSTGRES_URL"
ALL_SCOPES = [Scope.READ, Scope.WRITE, Scope.ADMIN]
INBOUND_TOKEN = "test-inbound-token"


@pytest.fixture
def fake_classifier() -> Callable[..., FakeClassifier]:
    return FakeClassifier


def _script_language(text: str) -> LanguageResult:
    """A stand-in detector by script (the real one has its own tests and is slower to load)."""
    if any("\uac00" <= c <= "\ud7a3" for c in text):
        language = "ko"
    elif any("\u0400" <= c <= "\u04ff" for c in text):
        language = "ru"
    elif any(c in "ğışçöüĞİŞÇÖÜ" for c in text):
        language = "tr"
    else:
        language = "en"
    return LanguageResult(language, language, 1.0, {language: 1.0})


@pytest.fixture(scope="session")
def script_language() -> Callable[[str], LanguageResult]:
    """The stand-in detector itself, for fixtures wider than a test (seeded databases)."""
    return _script_language


@pytest.fixture
def stub_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Service tests check storage and flow, not language detection: keep it fast and fixed."""
    monkeypatch.setattr(pipeline, "detect_language", _script_language)


# --------------------------------------------------------------------------- databases


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A private schema on the test PostgreSQL, migrated once, dropped at the end."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} not set: PostgreSQL tests skipped")
    schema = f"triage_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    engine = make_engine(rendered)
    upgrade(engine)
    engine.dispose()
    try:
        yield rendered
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    """One test per backend: a fresh SQLite file, or the emptied PostgreSQL test schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'triage.db'}"
    url = request.getfixturevalue("postgres_url")
    _empty_postgres(url)
    return url


@pytest.fixture
def build_settings(db_url: str, tmp_path: Any) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "database_url": db_url,
            "data_dir": tmp_path,
            "releases_dir": tmp_path / "releases",
            "inbound_token": INBOUND_TOKEN,
            "auto_migrate": True,
            "worker_poll_seconds": 0.05,
            "worker_backoff_seconds": 0.0,
            "worker_lease_seconds": 60.0,
        }
        return Settings(_env_file=None, **(values | overrides))

    return build


@pytest.fixture
def settings(build_settings: Callable[..., Settings]) -> Settings:
    return build_settings()


@pytest.fixture
def database(settings: Settings, stub_language: None) -> Iterator[Database]:
    db = Database.from_settings(settings)
    db.upgrade()
    yield db
    db.dispose()


@pytest.fixture
def concurrently(database: Database) -> Iterator[Callable[..., None]]:
    """``concurrently(task, n)``: ``task(db)`` in ``n`` threads released at once, each with its
    own engine on the test database as separate service processes would have; waits for all."""
    opened: list[Database] = []

    def run(task: Callable[[Database], Any], n: int) -> None:
        databases = [Database(database.url) for _ in range(n)]
        opened.extend(databases)
        barrier = threading.Barrier(n)

        def start(db: Database) -> None:
            barrier.wait()
            task(db)

        threads = [threading.Thread(target=start, args=(db,)) for db in databases]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)

    yield run
    for db in opened:
        db.dispose()


# --------------------------------------------------------------------------- mail


@pytest.fixture
def build_mime() -> Callable[..., bytes]:
    """A small RFC 5322 message; every argument has a sensible default."""

    def build(
        text: str = "Hello, the draft looks fine.",
        *,
        sender: str = "Ivan Petrov <ivan@client.example>",
        to: str = "Support <support@agency.example>",
        subject: str = "Project update",
        message_id: str | None = None,
        date: datetime | None = None,
        in_reply_to: str | None = None,
        html: str | None = None,
    ) -> bytes:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to
        message["Subject"] = subject
        message["Date"] = format_datetime(date or datetime.now(UTC))
        message["Message-ID"] = message_id or make_msgid(domain="client.example")
        if in_reply_to:
            message["In-Reply-To"] = in_reply_to
            message["References"] = in_reply_to
        message.set_content(text)
        if html is not None:
            message.add_alternative(html, subtype="html")
        return message.as_bytes()

    return build


# --------------------------------------------------------------------------- apps


@dataclass
class Api:
    """A running app (lifespan entered) with an admin key and a query key."""

    app: FastAPI
    client: TestClient
    admin: dict[str, str]
    reader: dict[str, str]
    classifier: FakeClassifier

    def post_mime(self, raw: bytes, **headers: str) -> Any:
        return self.client.post(
            "/v1/inbound/raw",
            content=raw,
            headers={
                "Content-Type": "message/rfc822",
                "Authorization": f"Bearer {INBOUND_TOKEN}",
                **headers,
            },
        )

    def drain(self) -> int:
        """Run the queue dry with a worker sharing the app's database and model."""
        from service.worker import Worker

        return Worker(self.app.state.db, self.app.state.classifier, self.app.state.settings).drain()

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.reader, **kwargs)


def wait_for_model(app: FastAPI, timeout: float = 10.0) -> None:
    assert app.state.classifier.loaded.wait(timeout), "model did not load"


@pytest.fixture
def make_api(settings: Settings, stub_language: None) -> Iterator[Callable[..., Api]]:
    """Start apps (TestClient context entered); all are shut down at the end of the test."""
    stack: list[TestClient] = []

    def start(
        classifier: FakeClassifier | None = None,
        *,
        run_worker: bool = False,
        app_settings: Settings | None = None,
        raise_server_exceptions: bool = True,
    ) -> Api:
        classifier = classifier or FakeClassifier()
        app = create_app(
            app_settings or settings,
            classifier_loader=lambda _version: classifier,
            run_worker=run_worker,
        )
        client = TestClient(app, raise_server_exceptions=raise_server_exceptions)
        client.__enter__()
        stack.append(client)
        if not run_worker:  # such apps load no model; these tests drive a worker (Api.drain)
            app.state.classifier.reload()
        wait_for_model(app)
        with app.state.db.session() as session:
            admin = create_key(session, "test-admin", ALL_SCOPES).key
            reader = create_key(session, "test-reader", [Scope.READ, Scope.WRITE]).key
        return Api(app, client, {"X-API-Key": admin}, {"X-API-Key": reader}, classifier)

    yield start
    for client in reversed(stack):
        client.__exit__(None, None, None)


@pytest.fixture
def api(make_api: Callable[..., Api]) -> Api:
    return make_api()


# --------------------------------------------------------------------------- provider keys


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def pem() -> Callable[..., str]:
    return public_pem


def self_signed_certificate(key: rsa.RSAPrivateKey) -> bytes:
    """A stand-in for the SNS signing certificate (sns.<region>.amazonaws.com)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.us-east-1.amazonaws.com")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def sns_certificate(tmp_path: Path, rsa_key: rsa.RSAPrivateKey) -> Path:
    path = tmp_path / "sns-signing.pem"
    path.write_bytes(self_signed_certificate(rsa_key))
    return path
