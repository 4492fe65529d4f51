"""The documented plain JSON form (fields or base64 raw MIME), bearer token."""

from __future__ import annotations

import base64
import json

import pytest

from service.inbound import (
    AuthError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    UnsupportedMediaType,
)
from service.inbound.json_form import JsonFormAdapter
from service.mail.message import Direction

TOKEN = "json-form-token-한국어-ok"  # non-ASCII tokens must not crash compare_digest


@pytest.fixture
def settings(make_settings):
    return make_settings(inbound_token=TOKEN, max_message_bytes=32 * 1024)


def request(doc: object, *, token: str = TOKEN, ctype: str = "application/json", body=None):
    raw = body if body is not None else json.dumps(doc, ensure_ascii=False).encode()
    return InboundRequest(
        headers={"Content-Type": ctype, "Authorization": f"Bearer {token}"}, body=raw
    )


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_fields_form(settings, sample, quoted, lang):
    s = sample(lang)
    doc = {
        "from": f"{s['name']} <{s['address']}>",
        "to": ["Support <support@example.com>", "sales@example.com"],
        "subject": s["subject"],
        "text": quoted(lang),
        "date": "Tue, 04 Mar 2025 12:30:00 +0300",
        "message_id": "<m-42@mail.example.net>",
        "in_reply_to": "<orig-1@example.com>",
        "references": ["<orig-0@example.com>", "<orig-1@example.com>"],
    }
    (message,) = JsonFormAdapter().parse(request(doc), settings).messages
    assert message.from_address == s["address"]
    assert message.from_name == s["name"]
    assert message.to_addresses == ["support@example.com", "sales@example.com"]
    assert message.subject == s["subject"]
    assert message.date is not None and message.date.utcoffset().total_seconds() == 3 * 3600
    assert message.message_id == "<m-42@mail.example.net>"
    assert message.in_reply_to == "<orig-1@example.com>"
    assert message.references == ["<orig-0@example.com>", "<orig-1@example.com>"]
    assert s["reply"].split(".")[0] in message.text
    assert s["quoted"] not in message.text
    assert message.direction is Direction.INBOUND
    assert message.provider == "json"


def test_iso_date_and_html_only(settings):
    doc = {
        "from": "ivan.petrov@example.ru",
        "html": "<p>Добрый день!</p><p>Где <b>счёт</b>?</p>",
        "date": "2025-03-04T09:30:00Z",
    }
    (message,) = JsonFormAdapter().parse(request(doc), settings).messages
    assert "Где счёт?" in message.text
    assert message.date is not None and message.date.utcoffset().total_seconds() == 0


def test_outbound_fields(settings):
    doc = {"from": "support@example.com", "to": ["ayse@example.com.tr"], "direction": "outbound"}
    (message,) = JsonFormAdapter().parse(request(doc), settings).messages
    assert message.direction is Direction.OUTBOUND


def test_raw_base64_form(settings, make_mime, sample):
    raw = make_mime("tr", message_id="<raw-7@mail.example.net>")
    doc = {"raw": base64.b64encode(raw).decode(), "direction": "outbound"}
    (message,) = JsonFormAdapter().parse(request(doc), settings).messages
    assert message.from_address == sample("tr")["address"]
    assert message.message_id == "<raw-7@mail.example.net>"
    assert message.direction is Direction.OUTBOUND
    assert message.provider == "json"


def test_bad_token_is_401(settings):
    with pytest.raises(AuthError) as exc:
        JsonFormAdapter().parse(request({"from": "a@b.c"}, token="guess"), settings)
    assert exc.value.status == 401


@pytest.mark.parametrize(
    ("doc", "needle"),
    [
        ({}, "either 'raw'"),
        ({"to": ["a@example.com"]}, "either 'raw'"),
        ({"from": "a@example.com", "body": "typo"}, "body"),
        ({"from": "a@example.com", "to": "not-a-list"}, "to"),
        ({"from": "a@example.com", "direction": "sideways"}, "direction"),
        ({"raw": "AAAA", "from": "a@example.com"}, "cannot be combined"),
        ([{"from": "a@example.com"}], "object"),
    ],
)
def test_schema_violations_are_422_with_reason(settings, doc, needle):
    with pytest.raises(MalformedPayload) as exc:
        JsonFormAdapter().parse(request(doc), settings)
    assert exc.value.status == 422
    assert needle in exc.value.reason


def test_sender_without_address_is_422(settings):
    with pytest.raises(MalformedPayload) as exc:
        JsonFormAdapter().parse(request({"from": "Just A Name"}), settings)
    assert exc.value.status == 422


def test_raw_not_base64_is_422(settings):
    with pytest.raises(MalformedPayload) as exc:
        JsonFormAdapter().parse(request({"raw": "this is *not* base64!"}), settings)
    assert exc.value.status == 422


def test_bad_json_is_400(settings):
    with pytest.raises(MalformedPayload) as exc:
        JsonFormAdapter().parse(request(None, body=b'{"from": "a@b.c",'), settings)
    assert exc.value.status == 400


def test_wrong_content_type_is_415(settings):
    with pytest.raises(UnsupportedMediaType):
        JsonFormAdapter().parse(request({"from": "a@b.c"}, ctype="text/plain"), settings)


def test_too_large_raw_is_413(settings):
    raw = b"From: a@example.com\r\n\r\n" + b"x" * (33 * 1024)
    doc = {"raw": base64.b64encode(raw).decode()}
    with pytest.raises(PayloadTooLarge):
        JsonFormAdapter().parse(request(doc), settings)


def test_too_large_text_is_413(settings):
    with pytest.raises(PayloadTooLarge):
        JsonFormAdapter().parse(request({"from": "a@example.com", "text": "я" * 20_000}), settings)


def test_pre_parsed_json_is_used(settings):
    req = InboundRequest(
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
        json={"from": "ayse.yilmaz@example.com.tr", "text": "Merhaba"},
    )
    (message,) = JsonFormAdapter().parse(req, settings).messages
    assert message.text == "Merhaba"
