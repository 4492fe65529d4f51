"""Dashboard fixtures: a demo data set stored through the real ingest path and classified by
the real worker with a deterministic stand-in model, and signed-in page clients.

The scenario (relative to now): a red client (abuse, with quoted history and a signature), a
red Korean client, amber clients (repeated pessimism; slow replies; Russian), and green ones
(Turkish, English, one we are waiting on). Scores vary so the review queue has near-threshold
messages.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest

from models.labels import LABELS
from service import pipeline
from service.config import REPO_ROOT, Settings
from service.dashboard.releases import release_facts
from service.db.api_keys import create_key
from service.db.clients import create_client
from service.db.ingest import ingest_messages
from service.db.models import AddressKind, Scope
from service.db.session import Database
from service.mail.message import Direction
from service.mail.parse import parse_mime
from service.runtime import ClassifierHolder
from service.worker import Worker

RELEASE = "v4"
"""Demo flags carry the shipped release's name, so pages show its thresholds and metrics."""

KEYWORDS: dict[str, tuple[str, ...]] = {
    "abuse": ("incompetent", "idiot", "멍청", "тупые"),
    "pessimism": ("never work", "pointless", "бесполезно"),
    "unreasonable_demand": ("by tomorrow", "for free", "бесплатно", "내일까지"),
    "slow_response": ("sorry for the late", "weeks late"),
}
SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


class DemoClassifier:
    """A keyword model with the real one's interface: scores, thresholded decisions, and
    evidence sentences cut from the text (so the dashboard can place them)."""

    version = RELEASE
    precision = "fp32"

    def __init__(self) -> None:
        self.info = SimpleNamespace(labels=list(LABELS))
        self.thresholds = release_facts(REPO_ROOT / "models" / "releases", RELEASE)

    def _score(self, text: str, label: str) -> float:
        if any(k in text.lower() for k in KEYWORDS[label]):
            return 0.93
        return 0.05 + (zlib.crc32(f"{label}:{text}".encode()) % 45) / 100  # under all thresholds

    def score_texts(self, texts: list[str]) -> np.ndarray:
        return np.array([[self._score(t, label) for label in LABELS] for t in texts])

    def decide(self, row: np.ndarray, language: str) -> list[str]:
        limits = self.thresholds.thresholds.for_language(language)
        return [label for label, s in zip(LABELS, row, strict=True) if s >= limits[label]]

    def evidence(self, texts: list[str], fired: list[list[str]]) -> list[dict]:
        found = []
        for text, labels in zip(texts, fired, strict=True):
            sentences = [s.group().strip() for s in SENTENCE.finditer(text) if s.group().strip()]
            found.append(
                {
                    label: [
                        {"sentence": s, "score": 0.93}
                        for s in sentences
                        if any(k in s.lower() for k in KEYWORDS[label])
                    ][:2]
                    for label in labels
                }
            )
        return found


@dataclass
class Mail:
    days_ago: float
    sender: str
    text: str
    subject: str = "Project"
    outbound: bool = False
    reply_to: str | None = None
    """Message-ID key (in ``Mail.key`` of an earlier mail) this one answers."""
    key: str | None = None
    quoted: str = ""
    signature: str = ""


US = "Anna <anna@agency.example>"

SCENARIO: list[Mail] = [
    # Hostile Ltd: red (abuse twice, demands), the client to see first.
    Mail(70, "greg@hostile.example", "Please send the first drafts when ready.", "Website"),
    Mail(45, "greg@hostile.example", "We need the whole shop by tomorrow. For free, obviously."),
    Mail(20, US, "Here is mockup v2 for review.", "Re: homepage", outbound=True, key="h1"),
    Mail(
        3,
        "greg@hostile.example",
        "I looked at the mockup.\nAre you actually this incompetent, or is it an act? "
        "My nephew does better work.\nSend the final files by tomorrow.",
        "Re: homepage",
        reply_to="h1",
        quoted="Here is mockup v2 for review.",
        signature="Greg Hostile\nCEO, Hostile Ltd",
    ),
    Mail(1, "greg@hostile.example", "Still waiting, you idiots. Answer me.", "Re: homepage"),
    # 한빛 디자인 (Korean): red.
    Mail(12, "kim@hanbit.example", "안녕하세요. 시안 잘 받았습니다.", "시안"),
    Mail(5, "kim@hanbit.example", "이번 시안은 정말 멍청하네요. 내일까지 다시 보내주세요.", "시안"),
    # Gloomy GmbH: amber (repeated pessimism).
    Mail(30, "paul@gloomy.example", "Honestly, this will never work.", "Campaign"),
    Mail(9, "paul@gloomy.example", "It's pointless, but go ahead with the plan.", "Campaign"),
    Mail(2, "paul@gloomy.example", "Thanks for the update, we will read it.", "Campaign"),
    # Slowpoke Inc: amber (replies weeks late).
    Mail(60, US, "Could you review the contract draft?", "Contract", outbound=True, key="s1"),
    Mail(40, "sam@slowpoke.example", "Sorry for the late reply, it looks fine.", reply_to="s1"),
    Mail(35, US, "Invoice 2024-17 is attached.", "Invoice", outbound=True, key="s2"),
    Mail(14, "sam@slowpoke.example", "Paid now, sorry for the late payment.", reply_to="s2"),
    # ООО Ромашка (Russian): amber (repeated pessimism).
    Mail(25, "ivan@romashka.example", "Это бесполезно, но давайте попробуем.", "Проект"),
    Mail(8, "ivan@romashka.example", "Опять бесполезно. Переделайте.", "Проект"),
    # Deniz Yapı (Turkish): green.
    Mail(6, "ayse@deniz.example", "Merhaba, taslak için teşekkürler. Çok güzel olmuş.", "Taslak"),
    # Friendly Co: green, we are waiting for their answer.
    Mail(15, "olivia@friendly.example", "Great work, thank you!", "Logo"),
    Mail(10, US, "Here are the final logo files.", "Logo", outbound=True, key="f1"),
]

NAMES = {
    "hostile.example": "Hostile Ltd",
    "hanbit.example": "한빛 디자인",
    "gloomy.example": "Gloomy GmbH",
    "slowpoke.example": "Slowpoke Inc",
    "romashka.example": "ООО Ромашка",
    "deniz.example": "Deniz Yapı",
    "friendly.example": "Friendly Co",
}


def _mime(mail: Mail, now: datetime, ids: dict[str, str]) -> bytes:
    message = EmailMessage()
    counterpart = "olivia@friendly.example"
    if mail.outbound:
        counterpart = {"h1": "greg@hostile.example", "s1": "sam@slowpoke.example",
                       "s2": "sam@slowpoke.example"}.get(mail.key or "", counterpart)  # fmt: skip
    message["From"] = mail.sender
    message["To"] = counterpart if mail.outbound else US
    message["Subject"] = mail.subject
    sent = now - timedelta(days=mail.days_ago)
    message["Date"] = format_datetime(sent)
    message["Message-ID"] = ids.setdefault(mail.key or str(id(mail)), f"<{id(mail)}@demo>")
    if mail.reply_to:
        message["In-Reply-To"] = ids[mail.reply_to]
        message["References"] = ids[mail.reply_to]
    body = mail.text
    if mail.quoted:
        body += f"\n\nOn {format_datetime(sent - timedelta(days=17))}, Anna wrote:\n> {mail.quoted}"
    if mail.signature:
        body += f"\n\n-- \n{mail.signature}"
    message.set_content(body)
    return message.as_bytes()


@dataclass
class Demo:
    admin_key: str
    reader_key: str
    """Reads and corrects (scopes read, write)."""
    viewer_key: str
    """Only reads (scope read)."""
    clients: dict[str, int]
    """Client id per name."""


def seed_demo(
    database: Database, settings: Settings, detect_language: Callable[[str], Any]
) -> Demo:
    """Store the scenario through ingest, classify it with the worker (languages told by
    ``detect_language``), create two keys."""
    now = datetime.now(UTC)
    clients = {}
    with database.session() as session:
        for domain, name in NAMES.items():
            clients[name] = create_client(session, name, [(AddressKind.DOMAIN, domain)]).id
        admin = create_key(session, "anna", [Scope.READ, Scope.WRITE, Scope.ADMIN]).key
        reader = create_key(session, "reader", [Scope.READ, Scope.WRITE]).key
        viewer = create_key(session, "viewer", [Scope.READ]).key
        create_key(session, "mail-script", [Scope.INBOUND])
    ids: dict[str, str] = {}
    for mail in SCENARIO:
        message = parse_mime(_mime(mail, now, ids))
        if mail.outbound:
            message.direction = Direction.OUTBOUND
        ingest_messages(database, [message], settings)
    holder = ClassifierHolder(lambda _version: DemoClassifier())
    holder.reload()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "detect_language", detect_language)
        Worker(database, holder, settings).drain()
    return Demo(admin, reader, viewer, clients)


@pytest.fixture
def demo_settings(build_settings: Callable[..., Settings]) -> Settings:
    return build_settings(releases_dir=REPO_ROOT / "models" / "releases")


def form_token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no form"
    return found.group(1)


def sign_in(client: Any, key: str) -> Any:
    token = form_token(client.get("/login").text)
    return client.post("/login", data={"api_key": key, "csrf_token": token}, follow_redirects=False)


@dataclass
class Pages:
    """A browser stand-in on the in-process app (signed in, or not, by its fixture)."""

    client: Any
    demo: Demo
    api: Any

    def csrf(self, path: str = "/") -> str:
        return form_token(self.client.get(path).text)

    def client_path(self, name: str = "Hostile Ltd") -> str:
        return f"/clients/{self.demo.clients[name]}"

    def post(self, path: str, data: dict[str, Any], *, token: bool = True, **kwargs: Any) -> Any:
        """A form post, with the session's CSRF token unless ``token=False``."""
        fields = data | ({"csrf_token": self.csrf()} if token else {})
        return self.client.post(path, data=fields, follow_redirects=False, **kwargs)

    def sign_in(self, key: str) -> Any:
        return sign_in(self.client, key)


@pytest.fixture
def demo_app(
    make_api: Callable[..., Any], demo_settings: Settings, script_language: Callable
) -> Iterator[Any]:
    api = make_api(DemoClassifier(), app_settings=demo_settings)
    demo = seed_demo(api.app.state.db, demo_settings, script_language)
    yield api, demo


@pytest.fixture
def admin_pages(demo_app: Any) -> Pages:
    api, demo = demo_app
    assert sign_in(api.client, demo.admin_key).status_code == 303
    return Pages(api.client, demo, api)


@pytest.fixture
def reader_pages(demo_app: Any) -> Pages:
    api, demo = demo_app
    assert sign_in(api.client, demo.reader_key).status_code == 303
    return Pages(api.client, demo, api)


@pytest.fixture
def anonymous(demo_app: Any) -> Pages:
    api, demo = demo_app
    return Pages(api.client, demo, api)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where browser screenshots go (``TRIAGE_TEST_ARTIFACTS``, default ``artifacts/``)."""
    path = Path(os.environ.get("TRIAGE_TEST_ARTIFACTS", REPO_ROOT / "artifacts"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_up(url: str, server: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the service exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("the service did not come up")


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, script_language: Callable
) -> Iterator[tuple[str, Demo]]:
    """The seeded service, running as ``triage serve --no-worker`` (no model loaded)."""
    data = tmp_path_factory.mktemp("dashboard")
    env = {
        "TRIAGE_DATABASE_URL": f"sqlite:///{data / 'triage.db'}",
        "TRIAGE_DATA_DIR": str(data),
        "TRIAGE_RELEASES_DIR": str(REPO_ROOT / "models" / "releases"),
    }
    settings = Settings(_env_file=None, **{k[7:].lower(): v for k, v in env.items()})
    database = Database.from_settings(settings)
    database.upgrade()
    demo = seed_demo(database, settings, script_language)
    database.dispose()
    port = _free_port()
    log = (data / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "service.cli", "serve", "--no-worker", "--port", str(port)],
        cwd=REPO_ROOT,
        env=os.environ | env | {"PYTHONPATH": str(REPO_ROOT), "TRIAGE_LOG_LEVEL": "WARNING"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, server)
        yield url, demo
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
