"""Raw RFC 5322 (message/rfc822) with a bearer token."""

from __future__ import annotations

import pytest

from service.inbound import (
    AuthError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    UnsupportedMediaType,
)
from service.inbound.raw import RawMimeAdapter
from service.mail.message import Direction

TOKEN = "s3cr3t-inbound-token"


@pytest.fixture
def settings(make_settings):
    return make_settings(inbound_token=TOKEN, max_message_bytes=64 * 1024)


def request(body: bytes, *, token: str | None = TOKEN, ctype="message/rfc822", **kw):
    headers = {"Content-Type": ctype, **kw.pop("headers", {})}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return InboundRequest(
        url="https://triage.example.com/inbound/raw", headers=headers, body=body, **kw
    )


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_parses_multilingual_message(settings, make_mime, sample, lang):
    raw = make_mime(lang, message_id="<abc-1@mail.example.net>")
    result = RawMimeAdapter().parse(request(raw), settings)
    (message,) = result.messages
    s = sample(lang)
    assert message.from_address == s["address"]
    assert message.subject == s["subject"]
    assert message.message_id == "<abc-1@mail.example.net>"
    assert s["reply"].split(".")[0] in message.text
    assert message.direction is Direction.INBOUND
    assert message.provider == "raw"
    assert result.response is None


@pytest.mark.parametrize(
    "kw",
    [
        {"headers": {"X-Direction": "outbound"}},
        {"headers": {"x-direction": "OUTBOUND"}},
        {"query": {"direction": "outbound"}},
    ],
)
def test_outbound_direction_from_header_or_query(settings, make_mime, kw):
    (message,) = RawMimeAdapter().parse(request(make_mime("ru"), **kw), settings).messages
    assert message.direction is Direction.OUTBOUND


def test_unknown_direction_is_422(settings, make_mime):
    with pytest.raises(MalformedPayload) as exc:
        RawMimeAdapter().parse(request(make_mime(), query={"direction": "sideways"}), settings)
    assert exc.value.status == 422


@pytest.mark.parametrize("token", [None, "wrong", TOKEN + "x", ""])
def test_bad_or_missing_token_is_401(settings, make_mime, token):
    with pytest.raises(AuthError) as exc:
        RawMimeAdapter().parse(request(make_mime(), token=token), settings)
    assert exc.value.status == 401
    assert "Bearer" in exc.value.headers["WWW-Authenticate"]


def test_basic_scheme_is_not_a_bearer(settings, make_mime):
    req = request(make_mime(), token=None, headers={"Authorization": f"Basic {TOKEN}"})
    with pytest.raises(AuthError):
        RawMimeAdapter().parse(req, settings)


def test_disabled_without_token(make_settings, make_mime):
    with pytest.raises(ProviderDisabled) as exc:
        RawMimeAdapter().parse(request(make_mime()), make_settings())
    assert exc.value.status == 404


def test_wrong_content_type_is_415(settings, make_mime):
    with pytest.raises(UnsupportedMediaType) as exc:
        RawMimeAdapter().parse(request(make_mime(), ctype="application/json"), settings)
    assert exc.value.status == 415


def test_empty_body_is_422(settings):
    with pytest.raises(MalformedPayload) as exc:
        RawMimeAdapter().parse(request(b"  \r\n"), settings)
    assert exc.value.status == 422


def test_too_large_is_413(settings, make_mime):
    raw = make_mime() + b"x" * (64 * 1024)
    with pytest.raises(PayloadTooLarge) as exc:
        RawMimeAdapter().parse(request(raw), settings)
    assert exc.value.status == 413


def test_declared_content_length_too_large_is_413(settings, make_mime):
    req = request(make_mime(), headers={"Content-Length": str(10**9)})
    with pytest.raises(PayloadTooLarge):
        RawMimeAdapter().parse(req, settings)


def test_auth_is_checked_before_size(settings):
    with pytest.raises(AuthError):
        RawMimeAdapter().parse(request(b"x" * 10**6, token="nope"), settings)
