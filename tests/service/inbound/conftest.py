"""Shared fixtures for the inbound adapter tests: settings, keys, realistic multilingual mail."""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from typing import Any
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from service.config import Settings

# Client mail in the languages the service triages: (display name, address, subject, reply,
# quoted attribution line, quoted text).
SAMPLES: dict[str, dict[str, str]] = {
    "ko": {
        "name": "김민수",
        "address": "minsu.kim@example.co.kr",
        "subject": "계약 갱신 관련 문의",
        "reply": "안녕하세요. 지난번 요청드린 견적서가 아직 도착하지 않았습니다. "
        "오늘까지 꼭 답변 부탁드립니다.",
        "attribution": "2025년 3월 4일 (화) 오전 10:00, Support <support@example.com>님이 작성:",
        "quoted": "견적서는 이번 주 안에 보내 드리겠습니다.",
    },
    "ru": {
        "name": "Иван Петров",
        "address": "ivan.petrov@example.ru",
        "subject": "Срочно: счёт за март",
        "reply": "Добрый день! Мы до сих пор не получили исправленный счёт. "
        "Это уже третье напоминание.",
        "attribution": "4 марта 2025 г., в 10:00, Support <support@example.com> написал:",
        "quoted": "Исправленный счёт будет отправлен завтра.",
    },
    "tr": {
        "name": "Ayşe Yılmaz",
        "address": "ayse.yilmaz@example.com.tr",
        "subject": "Sipariş gecikmesi hakkında",
        "reply": "Merhaba, siparişimiz hâlâ gelmedi. Açıkçası çok hayal kırıklığına uğradık.",
        "attribution": "4 Mar 2025 Sal, 10:00 tarihinde Support <support@example.com> şunu yazdı:",
        "quoted": "Siparişiniz yarın kargoya verilecek.",
    },
}

DATE = dt.datetime(2025, 3, 4, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))


@pytest.fixture
def make_settings() -> Callable[..., Settings]:
    """Settings with only the given fields set (no .env file, no TRIAGE_* leakage matters)."""

    def build(**overrides: Any) -> Settings:
        return Settings(_env_file=None, **overrides)

    return build


@pytest.fixture
def sample() -> Callable[[str], dict[str, str]]:
    return lambda lang: SAMPLES[lang]


def quoted_body(lang: str) -> str:
    """Plain-text reply with quoted history, as mail clients write it."""
    s = SAMPLES[lang]
    return f"{s['reply']}\n\n{s['attribution']}\n> {s['quoted']}\n"


@pytest.fixture
def make_mime() -> Callable[..., bytes]:
    """A realistic RFC 5322 message (UTF-8 text part, encoded-word headers) in a language."""

    def build(
        lang: str = "ko",
        *,
        message_id: str | None = None,
        in_reply_to: str | None = "<orig-1@example.com>",
        html: bool = False,
    ) -> bytes:
        s = SAMPLES[lang]
        msg = EmailMessage()
        msg["From"] = formataddr((s["name"], s["address"]))
        msg["To"] = "Support <support@example.com>"
        msg["Subject"] = s["subject"]
        msg["Date"] = format_datetime(DATE)
        msg["Message-ID"] = message_id or f"<{uuid.uuid4().hex}@mail.example.net>"
        if in_reply_to:
            msg["In-Reply-To"] = in_reply_to
            msg["References"] = in_reply_to
        msg.set_content(quoted_body(lang))
        if html:
            msg.add_alternative(f"<p>{s['reply']}</p>", subtype="html")
        return msg.as_bytes()

    return build


@pytest.fixture
def quoted() -> Callable[[str], str]:
    return quoted_body


@pytest.fixture
def urlencoded() -> Callable[[list[tuple[str, str]]], bytes]:
    return lambda fields: urlencode(fields).encode("ascii")


@pytest.fixture
def multipart() -> Callable[..., tuple[bytes, str]]:
    """Encode fields (and files) as multipart/form-data; returns (body, content-type)."""

    def build(
        fields: list[tuple[str, str | bytes]],
        files: list[tuple[str, str, str, bytes]] = (),  # type: ignore[assignment]
        charset: str = "utf-8",
    ) -> tuple[bytes, str]:
        boundary = "xYzZY" + uuid.uuid4().hex
        parts: list[bytes] = []
        for name, value in fields:
            data = value if isinstance(value, bytes) else value.encode(charset)
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                + data
                + b"\r\n"
            )
        for name, filename, ctype, data in files:
            parts.append(
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                    f'filename="{filename}"\r\nContent-Type: {ctype}\r\n\r\n'
                ).encode()
                + data
                + b"\r\n"
            )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return body, f"multipart/form-data; boundary={boundary}"

    return build


@pytest.fixture(scope="session")
def other_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_der_b64(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@pytest.fixture
def der_b64() -> Callable[..., str]:
    return public_der_b64
