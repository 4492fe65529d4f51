"""Crash and scale-out with real processes: ``triage serve`` and ``triage worker`` are started
as subprocesses, killed with SIGKILL mid-ingest and mid-batch, restarted; senders retry as
providers do, and redeliver. Afterwards every acknowledged message is stored once, classified
once, with no doubled flag. On PostgreSQL also: two API-only processes and three workers with
one worker killed mid-batch, and a database outage (a server this test starts itself).

The processes load the stand-in model (``fake_model``), never the real one. Marked
``processes``: ``pytest -m processes`` runs only these (about two minutes on 2 cores).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import httpx
import pytest
from fake_model import KEYWORDS
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from models.labels import LABELS

pytestmark = pytest.mark.processes

REPO = Path(__file__).resolve().parents[2]
TOKEN = "process-test-token"
POSTGRES_ENV = "TRIAGE_TEST_POSTGRES_URL"
PG_BIN = next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin"))), None)
TEXTS = (
    "You are incompetent, all of you.",
    "Honestly this will never work.",
    "We need the new logo by tomorrow.",
    "Thanks, the draft looks fine.",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def expected_labels(body: str) -> set[str]:
    return {label for label in LABELS if any(k in body.lower() for k in KEYWORDS[label])}


@dataclass
class Cluster:
    """Service processes sharing one database, their logs, and how to reach them."""

    env: dict[str, str]
    logs: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)

    def start(self, name: str, *args: str, port: int | None = None) -> subprocess.Popen:
        command = [sys.executable, "-m", "service.cli", *args]
        if port is not None:
            command += ["--port", str(port)]
            self.ports[name] = port
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(command, cwd=REPO, env=self.env, stdout=log, stderr=log)
        self.processes[name] = process
        return process

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def wait_ready(self, name: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.processes[name].poll() is None, self.log_tail(name)
            try:
                if httpx.get(f"{self.url(name)}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{name} not ready: {self.log_tail(name)}")

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or an OOM kill."""
        self.processes[name].send_signal(signal.SIGKILL)
        self.processes[name].wait(timeout=10)

    def restart(self, name: str, *args: str) -> None:
        self.start(name, *args, port=self.ports.get(name))
        if name in self.ports:
            self.wait_ready(name)

    def log_tail(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    made: list[Cluster] = []

    def make(**env: str) -> Cluster:
        values = os.environ | {
            "TRIAGE_DATA_DIR": str(tmp_path / "data"),
            "TRIAGE_INBOUND_TOKEN": TOKEN,
            "TRIAGE_CLASSIFIER_LOADER": "fake_model:load",
            "PYTHONPATH": str(REPO / "tests" / "service"),
            "TRIAGE_TEST_CLASSIFY_SECONDS": "0.4",
            "TRIAGE_WORKER_BATCH_SIZE": "6",
            "TRIAGE_WORKER_POLL_SECONDS": "0.1",
            "TRIAGE_WORKER_LEASE_SECONDS": "3",
            "TRIAGE_WORKER_BACKOFF_SECONDS": "0",
            "TRIAGE_LOG_LEVEL": "INFO",
        }
        values.pop("TRIAGE_DATABASE_URL", None)
        created = Cluster(values | env, tmp_path)
        made.append(created)
        return created

    yield make
    for created in made:
        created.stop_all()


@dataclass
class Senders:
    """Concurrent providers: each posts its mails until acknowledged (2xx), retrying on
    connection errors and 5xx; records the acknowledged id per Message-ID."""

    urls: list[str]
    count: int
    threads: int = 8
    acked: dict[str, int] = field(default_factory=dict)
    bodies: dict[str, bytes] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for i in range(self.count):
            message = EmailMessage()
            message["From"] = f"client{i % 7}@sender{i % 3}.example"
            message["To"] = "studio@provider.example"
            message["Subject"] = f"Project update {i}"
            message["Date"] = format_datetime(datetime.now(UTC))
            message["Message-ID"] = make_msgid(domain="crash.example")
            body = f"{TEXTS[i % len(TEXTS)]} Ref {i}."
            message.set_content(body)
            self.bodies[message["Message-ID"]] = message.as_bytes()
            self.texts[message["Message-ID"]] = body

    def post(self, client: httpx.Client, message_id: str, attempt: int) -> httpx.Response | None:
        url = self.urls[attempt % len(self.urls)]
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"}
        try:
            response = client.post(
                f"{url}/v1/inbound/raw", content=self.bodies[message_id], headers=headers
            )
        except httpx.HTTPError:
            return None
        with self.lock:
            self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response

    def deliver(self, message_ids: list[str]) -> None:
        with httpx.Client(timeout=10) as client:
            for index, message_id in enumerate(message_ids):
                for attempt in range(index, index + 2000):
                    response = self.post(client, message_id, attempt)
                    if response is not None and response.status_code in (200, 202):
                        with self.lock:
                            self.acked[message_id] = response.json()["messages"][0]["id"]
                        break
                    assert response is None or response.status_code >= 500, response.text
                    time.sleep(0.1)
                else:
                    raise AssertionError(f"{message_id} never acknowledged")

    def start(self) -> list[threading.Thread]:
        ids = list(self.bodies)
        threads = [
            threading.Thread(target=self.deliver, args=(ids[i :: self.threads],), daemon=True)
            for i in range(self.threads)
        ]
        for thread in threads:
            thread.start()
        return threads

    def redeliver(self, how_many: int) -> None:
        """Redeliveries of acknowledged mail: 200, the stored id, nothing new."""
        with httpx.Client(timeout=10) as client:
            for attempt, message_id in enumerate(list(self.acked)[:how_many]):
                response = self.post(client, message_id, attempt)
                assert response is not None and response.status_code == 200, response
                stored = response.json()["messages"][0]
                assert stored["duplicate"] and stored["id"] == self.acked[message_id]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def count(engine: Engine, sql: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(sql)).scalar_one())


def join(threads: list[threading.Thread], timeout: float = 180) -> None:
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a sender is stuck"


def assert_nothing_lost_or_doubled(engine: Engine, senders: Senders) -> None:
    """Every acknowledged message stored once (under the id it was acknowledged with),
    classified, with exactly the flags its text calls for."""
    assert set(senders.acked) == set(senders.bodies)
    wait_until(
        lambda: count(engine, "SELECT count(*) FROM messages WHERE status <> 'done'") == 0,
        120,
        "every message classified",
    )
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, message_id, release FROM messages")).all()
        flags = connection.execute(text("SELECT message_id, label FROM flags")).all()
    by_message_id: dict[str, list[int]] = {}
    for row_id, message_id, release in rows:
        by_message_id.setdefault(message_id, []).append(row_id)
        assert release == "fake-1"
    assert {k: len(v) for k, v in by_message_id.items() if len(v) != 1} == {}
    assert {k: v[0] for k, v in by_message_id.items()} == senders.acked
    got: dict[int, list[str]] = {}
    for row_id, label in flags:
        got.setdefault(row_id, []).append(label)
    for message_id, row_id in senders.acked.items():
        labels = got.get(row_id, [])
        assert len(labels) == len(set(labels)) and set(labels) == expected_labels(
            senders.texts[message_id]
        ), (message_id, labels)


def test_sqlite_survives_kill_mid_ingest_and_mid_batch(cluster: Callable[..., Cluster]) -> None:
    service = cluster()
    service.start("api", "serve", port=free_port())
    service.wait_ready("api")
    engine = create_engine(f"sqlite:///{service.env['TRIAGE_DATA_DIR']}/triage.db")
    senders = Senders([service.url("api")], count=80)
    threads = senders.start()

    wait_until(lambda: len(senders.acked) >= 30, 120, "30 acknowledged")
    service.kill("api")  # mid-ingest: eight senders have requests in flight
    service.restart("api", "serve")
    wait_until(
        lambda: count(engine, "SELECT count(*) FROM messages WHERE status = 'claimed'") > 0,
        120,
        "a batch being classified",
    )
    service.kill("api")  # mid-batch: its claimed messages wait for the lease to expire
    service.restart("api", "serve")
    join(threads)
    senders.redeliver(50)
    assert_nothing_lost_or_doubled(engine, senders)
    engine.dispose()


@pytest.fixture
def postgres_database() -> Iterator[str]:
    """A fresh database on the test PostgreSQL server (the processes need their own)."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} not set: PostgreSQL tests skipped")
    name = f"triage_proc_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(service: Cluster) -> None:
    """Migrating is its own step on PostgreSQL: the processes only check the schema."""
    subprocess.run(
        [sys.executable, "-m", "service.cli", "db", "upgrade"],
        cwd=REPO,
        env=service.env,
        check=True,
        capture_output=True,
    )


@pytest.mark.postgres
def test_postgres_scale_out_with_a_worker_killed_mid_batch(
    cluster: Callable[..., Cluster], postgres_database: str
) -> None:
    service = cluster(TRIAGE_DATABASE_URL=postgres_database)
    migrate(service)
    for name in ("api-1", "api-2"):
        service.start(name, "serve", "--no-worker", port=free_port())
    for name in ("worker-1", "worker-2", "worker-3"):
        service.start(name, "worker")
    for name in ("api-1", "api-2"):
        service.wait_ready(name)
    engine = create_engine(postgres_database)
    senders = Senders([service.url("api-1"), service.url("api-2")], count=100)
    threads = senders.start()

    victim = service.processes["worker-1"].pid
    held = (
        f"SELECT count(*) FROM messages WHERE status = 'claimed' AND claimed_by LIKE '%:{victim}:%'"
    )
    wait_until(lambda: count(engine, held) > 0, 120, "worker-1 holding a batch")
    service.kill("worker-1")  # its batch is finished by the others once the lease expires
    wait_until(lambda: len(senders.acked) >= 60, 120, "60 acknowledged")
    service.kill("api-2")  # an API process dies mid-ingest; senders fail over to api-1
    service.restart("api-2", "serve", "--no-worker")
    join(threads)
    senders.redeliver(50)
    assert_nothing_lost_or_doubled(engine, senders)
    engine.dispose()


@pytest.fixture
def own_postgres() -> Iterator[Callable[[str], None]]:
    """A PostgreSQL server in a temporary directory, for this test alone: yields
    ``control("start" | "stop")``; its URL is in ``control.url``."""
    if PG_BIN is None or not os.environ.get(POSTGRES_ENV):
        pytest.skip("PostgreSQL binaries or TRIAGE_TEST_POSTGRES_URL missing")
    root = Path(tempfile.mkdtemp(prefix="triage-pg-"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if as_postgres:
        shutil.chown(root, "postgres")
    data, port = root / "data", free_port()

    def run(*args: str) -> None:
        subprocess.run([*as_postgres, *args], check=True, capture_output=True, timeout=120)

    run(str(PG_BIN / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust")

    def control(action: str) -> None:
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        if action == "start":
            log = str(root / "server.log")  # not our pipe: the server outlives pg_ctl
            run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-l", log, "-o", options, "-w", "start")
        else:
            run(str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")

    control("start")
    control.url = f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"  # type: ignore[attr-defined]
    try:
        yield control
    finally:
        subprocess.run(
            [*as_postgres, str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.mark.postgres
def test_database_outage_answers_503_and_recovers_without_restart(
    cluster: Callable[..., Cluster], own_postgres: Any
) -> None:
    url = own_postgres.url
    service = cluster(TRIAGE_DATABASE_URL=url, TRIAGE_TEST_CLASSIFY_SECONDS="0.05")
    migrate(service)
    service.start("api", "serve", port=free_port())
    service.wait_ready("api")
    pid = service.processes["api"].pid
    senders = Senders([service.url("api")], count=100, threads=4)
    threads = senders.start()

    wait_until(lambda: len(senders.acked) >= 20, 120, "20 acknowledged")
    own_postgres("stop")
    wait_until(lambda: senders.statuses.get(503, 0) >= 5, 60, "webhooks answering 503")
    acked_while_down = len(senders.acked)
    time.sleep(2)
    assert len(senders.acked) == acked_while_down  # nothing is acknowledged without a database
    own_postgres("start")
    join(threads)
    assert service.processes["api"].pid == pid and service.processes["api"].poll() is None
    engine = create_engine(url)
    assert_nothing_lost_or_doubled(engine, senders)
    engine.dispose()


def test_no_secret_in_the_logs_of_a_full_run(cluster: Callable[..., Cluster]) -> None:
    """Debug logs of a run that authenticates every way, right and wrong, hold no credential."""
    secrets = {
        "TRIAGE_INBOUND_TOKEN": f"inbound-{uuid.uuid4().hex}",
        "TRIAGE_MAILGUN_SIGNING_KEY": f"mailgun-{uuid.uuid4().hex}",
        "TRIAGE_POSTMARK_BASIC_USER": "postmark",
        "TRIAGE_POSTMARK_BASIC_PASSWORD": f"postmark-{uuid.uuid4().hex}",
        "TRIAGE_METRICS_TOKEN": f"metrics-{uuid.uuid4().hex}",
    }
    service = cluster(TRIAGE_LOG_LEVEL="DEBUG", **secrets)
    created = subprocess.run(
        [sys.executable, "-m", "service.cli", "api-key", "create", "--name", "ops", "--admin"],
        cwd=REPO, env=service.env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    api_key = json.loads(created.stdout)["key"]
    service.start("api", "serve", port=free_port())
    service.wait_ready("api")
    base = service.url("api")
    mail = Senders([base], count=3)
    bodies = list(mail.bodies.values())
    token, mailgun_token = secrets["TRIAGE_INBOUND_TOKEN"], uuid.uuid4().hex
    timestamp = str(int(time.time()))
    signature = hmac.new(
        secrets["TRIAGE_MAILGUN_SIGNING_KEY"].encode(),
        (timestamp + mailgun_token).encode(),
        hashlib.sha256,
    ).hexdigest()
    basic = base64.b64encode(f"postmark:{secrets['TRIAGE_POSTMARK_BASIC_PASSWORD']}".encode())
    with httpx.Client(base_url=base, timeout=10) as client:
        for bearer in (token, token[::-1], api_key):
            client.post("/v1/inbound/raw", content=bodies[0], headers={
                "Authorization": f"Bearer {bearer}", "Content-Type": "message/rfc822"})  # fmt: skip
        for sig in (signature, signature[::-1]):
            form = {"timestamp": timestamp, "token": mailgun_token, "signature": sig,
                    "from": "a@b.example", "body-plain": "hello"}  # fmt: skip
            client.post("/v1/inbound/mailgun", data=form)
        for auth in (basic.decode(), basic.decode()[::-1]):
            client.post("/v1/inbound/postmark", json={"From": "a@b.example", "TextBody": "hi"},
                        headers={"Authorization": f"Basic {auth}"})  # fmt: skip
        for key in (api_key, api_key[::-1]):
            client.get("/v1/clients", headers={"X-API-Key": key})
            client.get("/v1/clients", headers={"Authorization": f"Bearer {key}"})
        for metrics in (secrets["TRIAGE_METRICS_TOKEN"], "wrong"):
            client.get("/metrics", headers={"Authorization": f"Bearer {metrics}"})
    service.stop_all()
    logs = "".join(path.read_text(errors="replace") for path in service.logs.glob("*.log"))
    assert "message stored" in logs and "uvicorn.access" in logs  # the logs are really there
    leaked = [
        name
        for name, value in {
            **secrets,
            "api key": api_key,
            "mailgun token": mailgun_token,
            "basic credentials": basic.decode(),
        }.items()
        if value != "postmark" and (value in logs or value[::-1] in logs)
    ]
    assert leaked == []
