"""Fuzz targets for the mail path: MIME parsing, cleaning, and every provider adapter.

Each target takes arbitrary bytes and must either produce messages the store can hold or
refuse the input with an :class:`~service.inbound.InboundError` whose status is a 4xx (or
503 for our own configuration): anything else -- an exception, a 5xx, a message with text the
database cannot store -- is a crash. Adapters get valid credentials and signatures computed
over the fuzzed payload, so the fuzzer reaches the parsing behind the authentication.

Used by ``tests/fuzz/test_fuzz.py`` (hypothesis, in CI) and ``tests/fuzz/atheris_mail.py``
(coverage-guided, long runs).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import SecretStr

from service.config import Settings
from service.inbound import InboundError, InboundRequest, InboundResult
from service.inbound.forms import form_data
from service.inbound.mandrill import mandrill_signature
from service.inbound.registry import ADAPTERS
from service.mail.clean import split_reply
from service.mail.html import html_to_text
from service.mail.message import NormalizedMessage
from service.mail.parse import MailParseError, parse_mime

CORPUS = Path(__file__).resolve().parent / "corpus"
TOKEN = "fuzz-token"
BASIC = ("fuzz", "fuzz-password")
MAILGUN_KEY = "fuzz-mailgun-key"
MANDRILL = ("fuzz-mandrill-key", "https://triage.example/v1/inbound/mandrill")
BOUNDARY = "fuzzboundary"


class Crash(AssertionError):
    """The input broke an invariant of the mail path."""


@cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def settings() -> Settings:
    """Every adapter on, with small limits (the fuzzer finds the size checks quickly)."""
    public = (
        _key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return Settings(
        _env_file=None,
        max_message_bytes=256 * 1024,
        inbound_token=SecretStr(TOKEN),
        mailgun_signing_key=SecretStr(MAILGUN_KEY),
        sendgrid_basic_user=BASIC[0],
        sendgrid_basic_password=SecretStr(BASIC[1]),
        postmark_basic_user=BASIC[0],
        postmark_basic_password=SecretStr(BASIC[1]),
        mandrill_webhook_key=SecretStr(MANDRILL[0]),
        mandrill_webhook_url=MANDRILL[1],
        postal_public_key=public.decode(),
    )


def check_message(message: NormalizedMessage) -> None:
    """What every stored message must be: JSON-able, UTF-8, free of NUL (PostgreSQL text)."""
    json.dumps(message.to_json_dict(), ensure_ascii=False)
    texts = [message.text, message.quoted_text, message.signature, message.subject]
    texts += [message.from_name, message.from_address, *message.to_addresses]
    texts += [message.message_id or "", message.in_reply_to or "", *message.references]
    for value in texts:
        value.encode("utf-8")
        if "\x00" in value:
            raise Crash(f"NUL in a stored field: {value[:60]!r}")


def _run_adapter(provider: str, request: InboundRequest) -> None:
    try:
        result: InboundResult = ADAPTERS[provider].parse(request, settings())
    except InboundError as exc:
        if not (400 <= exc.status < 500 or exc.status == 503):
            raise Crash(f"{provider}: status {exc.status}") from exc
        return
    for message in result.messages:
        check_message(message)


def _basic() -> str:
    return "Basic " + base64.b64encode(":".join(BASIC).encode()).decode()


def mime(data: bytes) -> None:
    with contextlib.suppress(MailParseError):
        check_message(parse_mime(data))


def clean(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    new, quoted, signature = split_reply(text)
    html_to_text(text)
    if len(new) + len(quoted) + len(signature) > 2 * len(text) + 16:
        raise Crash("cleaning made the text longer")


def raw(data: bytes) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "message/rfc822"}
    _run_adapter("raw", InboundRequest(headers=headers, body=data))


def json_form(data: bytes) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    _run_adapter("json", InboundRequest(headers=headers, body=data))


def postmark(data: bytes) -> None:
    headers = {"Authorization": _basic(), "Content-Type": "application/json"}
    _run_adapter("postmark", InboundRequest(headers=headers, body=data))


def sendgrid(data: bytes) -> None:
    headers = {
        "Authorization": _basic(),
        "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
    }
    _run_adapter("sendgrid", InboundRequest(headers=headers, body=data))


def mailgun(data: bytes) -> None:
    """The fuzzed form after a valid signature (the first value of a field counts)."""
    timestamp, token = str(int(time.time())), uuid.uuid4().hex
    signature = hmac.new(MAILGUN_KEY.encode(), (timestamp + token).encode(), hashlib.sha256)
    signed = f"timestamp={timestamp}&token={token}&signature={signature.hexdigest()}&"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    _run_adapter("mailgun", InboundRequest(headers=headers, body=signed.encode() + data))


def mandrill(data: bytes) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    request = InboundRequest(headers=headers, body=data)
    try:
        fields = form_data(request).strict_items()
    except InboundError:
        fields = []
    headers["X-Mandrill-Signature"] = mandrill_signature(MANDRILL[1], fields, MANDRILL[0])
    _run_adapter("mandrill", InboundRequest(headers=headers, body=data))


def postal(data: bytes) -> None:
    signature = _key().sign(data, padding.PKCS1v15(), hashes.SHA256())
    headers = {
        "Content-Type": "application/json",
        "X-Postal-Signature-256": base64.b64encode(signature).decode(),
    }
    _run_adapter("postal", InboundRequest(headers=headers, body=data))


TARGETS: dict[str, Callable[[bytes], None]] = {
    "mime": mime,
    "clean": clean,
    "raw": raw,
    "json": json_form,
    "postmark": postmark,
    "sendgrid": sendgrid,
    "mailgun": mailgun,
    "mandrill": mandrill,
    "postal": postal,
}
"""Target name -> function; ``corpus/<name>/`` holds its seeds (``mime`` and ``raw`` also
read the .eml fixtures). SES is covered through ``mime``: its payload is raw MIME inside an
SNS envelope whose signature checks come before any parsing."""


def seeds(target: str) -> list[bytes]:
    """The committed seeds of a target (the e-mail fixtures for the MIME-level targets)."""
    paths = sorted((CORPUS / target).glob("*"))
    if target in ("mime", "raw", "clean"):
        paths += sorted((CORPUS.parent.parent / "fixtures" / "eml").glob("*/*.eml"))
    return [path.read_bytes() for path in paths if path.is_file()]
