"""Shared adapter machinery: registry, headers, replay cache, auth and form helpers."""

from __future__ import annotations

import base64
import tomllib
from email.message import EmailMessage
from pathlib import Path

import pytest

from service.inbound import Adapter, InboundRequest
from service.inbound.auth import basic_matches, bearer_matches, load_public_key
from service.inbound.errors import (
    InboundConfigError,
    InboundError,
    MalformedPayload,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from service.inbound.forms import form_data
from service.inbound.limits import check_request_size
from service.inbound.registry import ADAPTERS
from service.inbound.request import Headers
from service.mail.headers import parse_date

CLIENT = "Client <client@example.com>"
DATE_HEADER = "Tue, 04 Mar 2025 12:30:00 +0300"


def test_registry_has_every_provider():
    assert set(ADAPTERS) == {
        "raw", "json", "mailgun", "sendgrid", "postmark", "ses", "mandrill", "postal",
    }  # fmt: skip
    for name, adapter in ADAPTERS.items():
        assert isinstance(adapter, Adapter)
        assert adapter.name == name


def test_every_adapter_refuses_when_not_configured(make_settings):
    """No secret configured -> 404 before anything is parsed, for every provider."""
    request = InboundRequest(headers={"Content-Type": "application/json"}, body=b"{}")
    for adapter in ADAPTERS.values():
        with pytest.raises(InboundError) as exc:
            adapter.parse(request, make_settings())
        assert exc.value.status == 404, adapter.name


def test_headers_are_case_insensitive():
    headers = Headers({"X-Mandrill-Signature": "abc", "content-type": "text/plain"})
    assert headers["x-mandrill-signature"] == "abc"
    assert headers.get("Content-Type") == "text/plain"
    assert "CONTENT-TYPE" in headers and "missing" not in headers
    assert InboundRequest(headers={"CONTENT-TYPE": "A/B; x=1"}).media_type == "a/b"


def basic(user: str, password: str) -> InboundRequest:
    raw = f"{user}:{password}".encode()
    return InboundRequest(headers={"Authorization": "Basic " + base64.b64encode(raw).decode()})


def test_basic_auth_matching():
    assert basic_matches(basic("user", "pa:ss"), "user", "pa:ss")  # ':' allowed in password
    assert basic_matches(basic("кирилл", "şifre"), "кирилл", "şifre")
    assert not basic_matches(basic("user", "pa:ss"), "user", "pa")
    assert not basic_matches(basic("userx", "pa:ss"), "user", "pa:ss")
    req = InboundRequest(headers={"Authorization": "basic " + base64.b64encode(b"u:p").decode()})
    assert basic_matches(req, "u", "p")  # scheme is case-insensitive
    assert not basic_matches(InboundRequest(headers={"Authorization": "Basic ###"}), "u", "p")


def test_bearer_matching():
    assert bearer_matches(InboundRequest(headers={"Authorization": "Bearer tok"}), "tok")
    assert bearer_matches(InboundRequest(headers={"Authorization": "bearer  tok "}), "tok")
    assert not bearer_matches(InboundRequest(headers={"Authorization": "Bearer tok2"}), "tok")
    assert not bearer_matches(InboundRequest(headers={"Authorization": "Bearer"}), "tok")
    assert not bearer_matches(InboundRequest(headers={"Authorization": "Bearer 토큰"}), "tok")


def test_multipart_form_fields_and_files(multipart):
    body, ctype = multipart(
        [("subject", "Срочно"), ("to", "a@example.com"), ("to", "b@example.com")],
        files=[("attachment1", "счёт.pdf", "application/pdf", b"%PDF")],
    )
    form = form_data(InboundRequest(headers={"Content-Type": ctype}, body=body))
    assert form.text("subject") == "Срочно"
    assert [v for k, v in form.fields if k == "to"] == [b"a@example.com", b"b@example.com"]
    (attachment,) = form.files
    assert attachment.field_name == "attachment1" and attachment.data == b"%PDF"


def test_urlencoded_keeps_bytes_for_charset_decoding():
    body = b"subject=%C7ok+g%FCzel&plain=%EA%B0%80"
    form = form_data(
        InboundRequest(headers={"Content-Type": "application/x-www-form-urlencoded"}, body=body)
    )
    assert form.text("subject", charset="iso-8859-9") == "Çok güzel"
    assert form.text("plain") == "가"
    assert form.text("missing", "default") == "default"


@pytest.mark.parametrize(
    ("ctype", "body", "error"),
    [
        ("application/x-www-form-urlencoded", "ключ=значение".encode(), MalformedPayload),
        ("multipart/form-data", b"--x\r\n", MalformedPayload),
        ("text/csv", b"a,b", UnsupportedMediaType),
        ("", b"a=b", UnsupportedMediaType),
    ],
)
def test_form_errors(ctype, body, error):
    with pytest.raises(error):
        form_data(InboundRequest(headers={"Content-Type": ctype}, body=body))


def test_request_size_counts_pre_parsed_form(make_settings):
    settings = make_settings(max_message_bytes=1024)
    request = InboundRequest(form={"body-plain": "x" * (2 * 1024 * 1024)})
    with pytest.raises(PayloadTooLarge):
        check_request_size(request, settings, envelope=True)


def test_load_public_key_forms(ec_key, rsa_key, pem, der_b64):
    assert load_public_key(pem(ec_key)).public_numbers() == ec_key.public_key().public_numbers()
    assert load_public_key(der_b64(rsa_key)) is not None
    assert load_public_key(f"v=DKIM1; k=rsa; p={der_b64(rsa_key)}") is not None
    for bad in ("", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", "p=!!"):
        with pytest.raises(InboundConfigError):
            load_public_key(bad)


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("Tue, 04 Mar 2025 12:30:00 +0300", "2025-03-04T12:30:00+03:00"),
        ("Tue, 4 Mar 2025 09:30:00 -0000", "2025-03-04T09:30:00+00:00"),
        ("2025-03-04T09:30:00Z", "2025-03-04T09:30:00+00:00"),
        ("2025-03-04 09:30:00", "2025-03-04T09:30:00+00:00"),
        ("вторник", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, iso):
    parsed = parse_date(value)
    assert (parsed.isoformat() if parsed else None) == iso


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_fields_and_mime_paths_clean_alike(make_settings, make_mime, sample, quoted, lang):
    """A provider without raw MIME must yield what the MIME path yields for the same mail."""
    from service.inbound.build import message_from_fields, message_from_mime
    from service.mail.builder import MessageFields

    settings = make_settings()
    raw = make_mime(lang, message_id="<same-1@mail.example.net>")
    s = sample(lang)
    fields = MessageFields(
        from_=f"{s['name']} <{s['address']}>",
        to=["Support <support@example.com>"],
        subject=s["subject"],
        text=quoted(lang),
        date="Tue, 04 Mar 2025 12:30:00 +0300",
        headers=[
            ("Message-ID", "<same-1@mail.example.net>"),
            ("In-Reply-To", "<orig-1@example.com>"),
            ("References", "<orig-1@example.com>"),
        ],
    )
    from_mime = message_from_mime(raw, provider="p", settings=settings)
    from_fields = message_from_fields(fields, provider="p", settings=settings)
    for name in (
        "from_address", "from_name", "to_addresses", "subject", "date", "message_id",
        "in_reply_to", "references", "text", "quoted_text", "quoted_date", "signature",
    ):  # fmt: skip
        assert getattr(from_fields, name) == getattr(from_mime, name), name


REPLY_CASES = [
    case
    for path in sorted((Path(__file__).parents[2] / "fixtures" / "replies").glob("*.toml"))
    for case in tomllib.loads(path.read_text(encoding="utf-8"))["case"]
]


@pytest.mark.parametrize("case", REPLY_CASES, ids=[case["id"] for case in REPLY_CASES])
def test_every_reply_fixture_cleans_alike_on_both_paths(make_settings, case):
    """The byte-order mark before an attribution used to survive only on the fields path:
    every reply fixture must come out the same from provider fields and from raw MIME."""
    from service.inbound.build import message_from_fields, message_from_mime
    from service.mail.builder import MessageFields

    settings = make_settings()
    mime = EmailMessage()
    mime["From"], mime["To"], mime["Date"] = CLIENT, "support@example.com", DATE_HEADER
    mime.set_content(case["text"])
    fields = MessageFields(from_=CLIENT, text=case["text"], date=DATE_HEADER)
    from_mime = message_from_mime(mime.as_bytes(), provider="p", settings=settings)
    from_fields = message_from_fields(fields, provider="p", settings=settings)
    expected = (case["new"], case["quoted"], case["signature"])
    assert (from_mime.text, from_mime.quoted_text, from_mime.signature) == expected
    assert (from_fields.text, from_fields.quoted_text, from_fields.signature) == expected
    assert from_fields.quoted_date == from_mime.quoted_date


def test_pre_decoded_form_ignores_declared_charsets():
    form = form_data(InboundRequest(form={"text": "Добрый день", "charsets": '{"text": "KOI8-R"}'}))
    assert form.text("text", charset="koi8-r") == "Добрый день"


def test_settings_from_environment(monkeypatch, tmp_path):
    from service.config import Settings

    monkeypatch.setenv(
        "TRIAGE_SES_TOPIC_ARNS", '["arn:aws:sns:eu-west-1:1:a", "arn:aws:sns:eu-west-1:1:b"]'
    )
    monkeypatch.setenv("TRIAGE_SES_SNS_CERTIFICATE_PATH", str(tmp_path / "sns.pem"))
    monkeypatch.setenv("TRIAGE_MAILGUN_SIGNING_KEY", "key-abc")
    monkeypatch.setenv("TRIAGE_MAX_MESSAGE_BYTES", "1048576")
    settings = Settings()
    assert settings.ses_topic_arns == ["arn:aws:sns:eu-west-1:1:a", "arn:aws:sns:eu-west-1:1:b"]
    assert settings.ses_sns_certificate_path == tmp_path / "sns.pem"
    assert settings.mailgun_signing_key.get_secret_value() == "key-abc"
    assert "key-abc" not in repr(settings)  # secrets never leak into logs
    assert settings.max_message_bytes == 1048576
    assert settings.mailgun_max_age_seconds == 300
    assert settings.inbound_token is None and settings.postal_public_key is None
