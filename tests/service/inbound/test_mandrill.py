"""Mandrill inbound: ``mandrill_events`` batches signed with X-Mandrill-Signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import urlencode

import pytest

from service.inbound import (
    AuthError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    UnsupportedMediaType,
)
from service.inbound.mandrill import SIGNATURE_HEADER, MandrillAdapter, mandrill_signature

KEY = "mUw1ZNw3qzh7Jz0s9RW9Hg"
URL = "https://triage.example.com/inbound/mandrill"


@pytest.fixture
def settings(make_settings):
    return make_settings(
        mandrill_webhook_key=KEY, mandrill_webhook_url=URL, max_message_bytes=64 * 1024
    )


def inbound_event(raw: bytes | None, sample, quoted, lang: str) -> dict:
    """An ``inbound`` event as Mandrill's inbound webhook format documents it."""
    s = sample(lang)
    msg = {
        "dkim": {"signed": True, "valid": True},
        "email": "support@inbound.example.com",
        "from_email": s["address"],
        "from_name": s["name"],
        "headers": {
            "Message-Id": "<mandrill-fields@mail.example.net>",
            "In-Reply-To": "<orig-1@example.com>",
            "Date": "Tue, 4 Mar 2025 12:30:00 +0300",
            "Subject": s["subject"],
        },
        "html": f"<p>{s['reply']}</p>",
        "spam_report": {"matched_rules": [], "score": 0.1},
        "spf": {"detail": "sender SPF authorized", "result": "pass"},
        "subject": s["subject"],
        "tags": [],
        "text": quoted(lang),
        "to": [["support@inbound.example.com", "Support"]],
    }
    if raw is not None:
        msg["raw_msg"] = raw.decode()
    return {"event": "inbound", "ts": 1741080600, "msg": msg}


def post(events: list, *, key: str = KEY, url: str = URL, signature: str | None = None):
    value = json.dumps(events, ensure_ascii=False)
    body = urlencode([("mandrill_events", value)]).encode()
    sig = (
        signature
        if signature is not None
        else mandrill_signature(url, [("mandrill_events", value)], key)
    )
    return InboundRequest(
        url="http://10.0.0.5:8000/inbound/mandrill",  # what the app sees behind the proxy
        headers={"Content-Type": "application/x-www-form-urlencoded", SIGNATURE_HEADER: sig},
        body=body,
    )


def test_signature_matches_documented_algorithm():
    """base64(HMAC-SHA1(key, url + sorted key/value pairs)), written out by hand."""
    params = [("z", "2"), ("mandrill_events", "[]"), ("a", "1")]
    signed = URL + "a1" + "mandrill_events[]" + "z2"
    expected = base64.b64encode(hmac.new(KEY.encode(), signed.encode(), hashlib.sha1).digest())
    assert mandrill_signature(URL, params, KEY) == expected.decode()


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_raw_msg_events(settings, make_mime, sample, quoted, lang):
    raw = make_mime(lang, message_id="<mandrill-raw@mail.example.net>")
    result = MandrillAdapter().parse(post([inbound_event(raw, sample, quoted, lang)]), settings)
    (message,) = result.messages
    assert message.from_address == sample(lang)["address"]
    assert message.subject == sample(lang)["subject"]
    assert message.message_id == "<mandrill-raw@mail.example.net>"
    assert message.provider == "mandrill"


def test_fields_when_raw_msg_absent(settings, sample, quoted):
    result = MandrillAdapter().parse(post([inbound_event(None, sample, quoted, "ko")]), settings)
    (message,) = result.messages
    s = sample("ko")
    assert message.from_address == s["address"] and message.from_name == s["name"]
    assert message.message_id == "<mandrill-fields@mail.example.net>"
    assert message.to_addresses == ["support@inbound.example.com"]
    assert s["quoted"] not in message.text


def test_batch_with_other_events(settings, make_mime, sample, quoted):
    events = [
        inbound_event(make_mime("ru"), sample, quoted, "ru"),
        {"event": "send", "ts": 1741080600, "msg": {"email": "x@example.com"}},
        inbound_event(make_mime("tr"), sample, quoted, "tr"),
    ]
    result = MandrillAdapter().parse(post(events), settings)
    assert [m.from_address for m in result.messages] == [
        sample("ru")["address"],
        sample("tr")["address"],
    ]
    assert len(result.skipped) == 1 and "'send'" in result.skipped[0]


def test_empty_batch_on_webhook_creation(settings):
    result = MandrillAdapter().parse(post([]), settings)
    assert result.messages == [] and result.skipped == []


def test_request_url_used_when_not_configured(make_settings, sample, quoted):
    settings = make_settings(mandrill_webhook_key=KEY)
    req = post(
        [inbound_event(None, sample, quoted, "tr")], url="http://10.0.0.5:8000/inbound/mandrill"
    )
    assert MandrillAdapter().parse(req, settings).messages


def test_forged_signature_is_403(settings, sample, quoted):
    req = post([inbound_event(None, sample, quoted, "ko")], key="guessed-key")
    with pytest.raises(AuthError) as exc:
        MandrillAdapter().parse(req, settings)
    assert exc.value.status == 403


def test_signature_for_other_url_is_403(settings, sample, quoted):
    req = post([inbound_event(None, sample, quoted, "ko")], url="https://attacker.example/hook")
    with pytest.raises(AuthError):
        MandrillAdapter().parse(req, settings)


def test_missing_signature_is_403(settings):
    with pytest.raises(AuthError) as exc:
        MandrillAdapter().parse(post([], signature=""), settings)
    assert exc.value.status == 403


def test_added_field_breaks_signature(settings):
    req = post([])
    req.body += b"&extra=1"
    with pytest.raises(AuthError):
        MandrillAdapter().parse(req, settings)


def test_disabled_without_key(make_settings):
    with pytest.raises(ProviderDisabled):
        MandrillAdapter().parse(post([]), make_settings())


def signed_raw_form(fields: list[tuple[str, str]]) -> InboundRequest:
    return InboundRequest(
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            SIGNATURE_HEADER: mandrill_signature(URL, fields, KEY),
        },
        body=urlencode(fields).encode(),
    )


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ([("other", "x")], "mandrill_events field missing"),
        ([("mandrill_events", "[{not json")], "not valid JSON"),
        ([("mandrill_events", '{"event": "inbound"}')], "JSON array"),
        ([("mandrill_events", "[42]")], "not an object"),
        ([("mandrill_events", '[{"event": "inbound"}]')], "no msg"),
    ],
)
def test_malformed_is_422(settings, fields, needle):
    with pytest.raises(MalformedPayload) as exc:
        MandrillAdapter().parse(signed_raw_form(fields), settings)
    assert exc.value.status == 422
    assert needle in exc.value.reason


def test_json_body_is_415(settings):
    req = InboundRequest(headers={"Content-Type": "application/json"}, body=b"[]")
    with pytest.raises(UnsupportedMediaType):
        MandrillAdapter().parse(req, settings)


def test_too_large_message_is_413(settings, sample, quoted):
    event = inbound_event(None, sample, quoted, "ru")
    event["msg"]["text"] = "щ" * 40_000
    with pytest.raises(PayloadTooLarge):
        MandrillAdapter().parse(post([event]), settings)


def test_fields_count_files_not_inline_images(settings, sample, quoted):
    """``msg.attachments`` holds the files (keyed by name); ``msg.images`` the inline ones."""
    event = inbound_event(None, sample, quoted, "tr")
    event["msg"]["attachments"] = {
        "teklif.pdf": {"name": "teklif.pdf", "type": "application/pdf", "content": "JVBERi0=",
                       "base64": True},
    }  # fmt: skip
    event["msg"]["images"] = {
        "ii_logo": {"name": "ii_logo", "type": "image/png", "content": "iVBORw0="},
    }
    (message,) = MandrillAdapter().parse(post([event]), settings).messages
    assert message.attachments == 1
    assert message.html == f"<p>{sample('tr')['reply']}</p>"
