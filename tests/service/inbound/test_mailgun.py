"""Mailgun route forward(): signed urlencoded/multipart posts, parsed and raw (body-mime)."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

import pytest

from service.inbound import (
    AuthError,
    InboundRequest,
    MalformedPayload,
    OneTimeToken,
    PayloadTooLarge,
    ProviderDisabled,
    ReplayedRequest,
    UnsupportedMediaType,
)
from service.inbound.mailgun import MailgunAdapter

KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"
NOW = 1_741_080_600.0  # 2025-03-04T09:30:00Z


@pytest.fixture
def settings(make_settings):
    return make_settings(mailgun_signing_key=KEY, max_message_bytes=64 * 1024)


@pytest.fixture
def adapter():
    return MailgunAdapter(clock=lambda: NOW)


def signed(timestamp: float = NOW, token: str | None = None, key: str = KEY) -> dict[str, str]:
    token = token or secrets.token_hex(25)  # Mailgun tokens are 50 characters
    ts = str(int(timestamp))
    sig = hmac.new(key.encode(), (ts + token).encode(), hashlib.sha256).hexdigest()
    return {"timestamp": ts, "token": token, "signature": sig}


def parsed_fields(sample, quoted, lang: str) -> list[tuple[str, str]]:
    """The base field set Mailgun documents for a parsed forward()."""
    s = sample(lang)
    headers = [
        ["Received", "by mxa.mailgun.org with SMTP id 5f0c; Tue, 04 Mar 2025 09:30:00 +0000"],
        ["From", f"{s['name']} <{s['address']}>"],
        ["To", "Support <support@example.com>"],
        ["Subject", s["subject"]],
        ["Date", "Tue, 04 Mar 2025 12:30:00 +0300"],
        ["Message-Id", "<CAF=mg-1@mail.example.net>"],
        ["In-Reply-To", "<orig-1@example.com>"],
        ["References", "<orig-0@example.com> <orig-1@example.com>"],
        ["Mime-Version", "1.0"],
    ]
    return [
        ("recipient", "support@example.com"),
        ("sender", f"bounce+{s['address']}"),
        ("from", f"{s['name']} <{s['address']}>"),
        ("subject", s["subject"]),
        ("body-plain", quoted(lang)),
        ("stripped-text", s["reply"]),
        ("stripped-signature", ""),
        ("body-html", f"<p>{s['reply']}</p>"),
        ("attachment-count", "0"),
        ("message-headers", json.dumps(headers, ensure_ascii=False)),
    ]


def form_request(fields: list[tuple[str, str]], urlencoded) -> InboundRequest:
    return InboundRequest(
        url="https://triage.example.com/inbound/mailgun",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=urlencoded(fields),
    )


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_parsed_forward(adapter, settings, sample, quoted, urlencoded, lang):
    auth = signed()
    fields = parsed_fields(sample, quoted, lang) + list(auth.items())
    result = adapter.parse(form_request(fields, urlencoded), settings)
    (message,) = result.messages
    s = sample(lang)
    assert message.from_address == s["address"]
    assert message.from_name == s["name"]
    assert message.subject == s["subject"]
    assert message.to_addresses == ["support@example.com"]
    assert message.message_id == "<CAF=mg-1@mail.example.net>"
    assert message.in_reply_to == "<orig-1@example.com>"
    assert message.references == ["<orig-0@example.com>", "<orig-1@example.com>"]
    assert message.date is not None and message.date.isoformat() == "2025-03-04T12:30:00+03:00"
    assert s["reply"].split(".")[0] in message.text
    assert s["quoted"] not in message.text
    assert message.provider == "mailgun"
    assert result.one_time_token == OneTimeToken(f"mailgun:{auth['token']}", 600, 406)


def test_multipart_with_attachment(adapter, settings, sample, quoted, multipart):
    fields = parsed_fields(sample, quoted, "ko")
    fields = [(k, "1" if k == "attachment-count" else v) for k, v in fields]
    body, ctype = multipart(
        fields + list(signed().items()),
        files=[("attachment-1", "견적서.pdf", "application/pdf", b"%PDF-1.4 ...")],
    )
    req = InboundRequest(headers={"Content-Type": ctype}, body=body)
    (message,) = adapter.parse(req, settings).messages
    assert message.attachments == 1
    assert message.subject == sample("ko")["subject"]


def test_raw_mime_variant(adapter, settings, make_mime, sample, multipart):
    raw = make_mime("ru", message_id="<raw-mg@mail.example.net>")
    fields = [("recipient", "support@example.com"), ("sender", "ivan.petrov@example.ru")]
    fields += [("from", "Иван Петров <ivan.petrov@example.ru>"), ("subject", "x")]
    body, ctype = multipart([*fields, ("body-mime", raw), *signed().items()])
    (message,) = adapter.parse(
        InboundRequest(headers={"Content-Type": ctype}, body=body), settings
    ).messages
    assert message.message_id == "<raw-mg@mail.example.net>"
    assert message.subject == sample("ru")["subject"]
    assert message.provider == "mailgun"


def test_parent_signature_accepted(adapter, settings, urlencoded):
    auth = signed()
    fields = [("from", "a@example.com"), ("body-plain", "hi"), *auth.items()]
    fields = [(k, "0" * 64 if k == "signature" else v) for k, v in fields]
    fields.append(("parent-signature", auth["signature"]))
    assert adapter.parse(form_request(fields, urlencoded), settings).messages


def forward(adapter, settings, urlencoded, auth):
    fields = [("from", "ayse.yilmaz@example.com.tr"), ("body-plain", "Merhaba"), *auth.items()]
    return adapter.parse(form_request(fields, urlencoded), settings)


def test_forged_signature_is_406(adapter, settings, urlencoded):
    auth = signed(key="key-attacker-guess")
    with pytest.raises(AuthError) as exc:
        forward(adapter, settings, urlencoded, auth)
    assert exc.value.status == 406


def test_tampered_token_is_406(adapter, settings, urlencoded):
    auth = signed()
    auth["token"] = auth["token"][:-1] + ("0" if auth["token"][-1] != "0" else "1")
    with pytest.raises(AuthError) as exc:
        forward(adapter, settings, urlencoded, auth)
    assert exc.value.status == 406


@pytest.mark.parametrize("missing", ["signature", "timestamp", "token"])
def test_missing_signature_fields_are_406(adapter, settings, urlencoded, missing):
    auth = signed()
    del auth[missing]
    with pytest.raises(AuthError) as exc:
        forward(adapter, settings, urlencoded, auth)
    assert exc.value.status == 406


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_stale_or_future_timestamp_is_406(adapter, settings, urlencoded, offset):
    with pytest.raises(ReplayedRequest) as exc:
        forward(adapter, settings, urlencoded, signed(timestamp=NOW + offset))
    assert exc.value.status == 406


def test_timestamp_within_window_ok(adapter, settings, urlencoded):
    assert forward(adapter, settings, urlencoded, signed(timestamp=NOW - 299)).messages


def test_max_age_is_configurable(make_settings, adapter, urlencoded):
    settings = make_settings(mailgun_signing_key=KEY, mailgun_max_age_seconds=30)
    with pytest.raises(ReplayedRequest):
        forward(adapter, settings, urlencoded, signed(timestamp=NOW - 31))


def test_token_is_handed_back_not_checked(adapter, settings, urlencoded):
    """The route records the token with the mail (tests/service/api): parsing twice is fine."""
    auth = signed()
    first = forward(adapter, settings, urlencoded, auth)
    assert forward(adapter, settings, urlencoded, auth).one_time_token == first.one_time_token


def test_disabled_without_key(make_settings, adapter, urlencoded):
    with pytest.raises(ProviderDisabled):
        forward(adapter, make_settings(), urlencoded, signed())


def test_bad_message_headers_json_is_422(adapter, settings, urlencoded):
    fields = [("from", "a@example.com"), ("body-plain", "hi"), ("message-headers", "[[oops")]
    with pytest.raises(MalformedPayload) as exc:
        adapter.parse(form_request(fields + list(signed().items()), urlencoded), settings)
    assert exc.value.status == 422


def test_message_headers_wrong_shape_is_422(adapter, settings, urlencoded):
    fields = [("from", "a@example.com"), ("body-plain", "hi"), ("message-headers", '{"a": 1}')]
    with pytest.raises(MalformedPayload):
        adapter.parse(form_request(fields + list(signed().items()), urlencoded), settings)


def test_no_body_fields_is_422(adapter, settings, urlencoded):
    fields = [("from", "a@example.com"), ("subject", "no body"), *signed().items()]
    with pytest.raises(MalformedPayload) as exc:
        adapter.parse(form_request(fields, urlencoded), settings)
    assert exc.value.status == 422


def test_json_body_is_415(adapter, settings):
    req = InboundRequest(headers={"Content-Type": "application/json"}, body=b"{}")
    with pytest.raises(UnsupportedMediaType):
        adapter.parse(req, settings)


def test_broken_multipart_is_400(adapter, settings):
    req = InboundRequest(headers={"Content-Type": "multipart/form-data"}, body=b"garbage")
    with pytest.raises(MalformedPayload) as exc:
        adapter.parse(req, settings)
    assert exc.value.status == 400


def test_too_large_is_413(adapter, settings, urlencoded):
    fields = [("from", "a@example.com"), ("body-plain", "ж" * 70_000), *signed().items()]
    with pytest.raises(PayloadTooLarge):
        adapter.parse(form_request(fields, urlencoded), settings)


def test_pre_parsed_form_from_route(adapter, settings, sample, quoted):
    fields = dict(parsed_fields(sample, quoted, "tr")) | signed()
    req = InboundRequest(headers={"Content-Type": "application/x-www-form-urlencoded"}, form=fields)
    (message,) = adapter.parse(req, settings).messages
    assert message.subject == sample("tr")["subject"]


# --- payloads as Mailgun documents them: inline vs attached parts, envelope vs header sender --


def with_fields(fields: list[tuple[str, str]], **changes: str | None) -> list[tuple[str, str]]:
    """``fields`` with some values replaced (None drops the field), others appended."""
    names = {key.replace("_", "-"): value for key, value in changes.items()}
    kept = [(k, names.get(k, v)) for k, v in fields if names.get(k, v) is not None]
    return kept + [(k, v) for k, v in names.items() if v is not None and k not in dict(fields)]


def test_inline_images_are_not_counted_as_attachments(adapter, settings, sample, quoted, multipart):
    """``attachment-count`` counts the logo the HTML shows; ``content-id-map`` names it."""
    fields = with_fields(
        parsed_fields(sample, quoted, "ko"),
        attachment_count="3",
        content_id_map=json.dumps({"<ii_logo@mail.example.net>": "attachment-1"}),
    )
    files = [
        ("attachment-1", "logo.png", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("attachment-2", "견적서.pdf", "application/pdf", b"%PDF-1.4"),
        ("attachment-3", "단가표.xlsx", "application/vnd.ms-excel", b"PK\x03\x04"),
    ]
    body, ctype = multipart(fields + list(signed().items()), files=files)
    request = InboundRequest(headers={"Content-Type": ctype}, body=body)
    (message,) = adapter.parse(request, settings).messages
    assert message.attachments == 2


def test_a_file_with_a_content_id_is_still_a_file(adapter, settings, sample, quoted, multipart):
    """Apple Mail gives attached PDFs a Content-ID too: only images are inline."""
    fields = with_fields(
        parsed_fields(sample, quoted, "ru"),
        attachment_count="1",
        content_id_map=json.dumps({"<pdf-1@mail.example.net>": "attachment-1"}),
    )
    files = [("attachment-1", "счёт.pdf", "application/pdf", b"%PDF-1.4")]
    body, ctype = multipart(fields + list(signed().items()), files=files)
    request = InboundRequest(headers={"Content-Type": ctype}, body=body)
    (message,) = adapter.parse(request, settings).messages
    assert message.attachments == 1


def test_sender_is_the_from_header_not_the_envelope(adapter, settings, sample, quoted, urlencoded):
    """Without a ``from`` field the From header in ``message-headers`` names the sender; the
    envelope ``sender`` is a bounce address without the display name."""
    fields = with_fields(parsed_fields(sample, quoted, "tr"), **{"from": None})
    fields = with_fields(fields, sender="bounces+srs=x1=example.com.tr@mg.example.net")
    request = form_request(fields + list(signed().items()), urlencoded)
    (message,) = adapter.parse(request, settings).messages
    assert message.from_address == sample("tr")["address"]
    assert message.from_name == sample("tr")["name"]


def test_envelope_sender_when_there_is_no_from_at_all(adapter, settings, urlencoded):
    fields = [
        ("sender", "ivan.petrov@example.ru"),
        ("body-plain", "Счёт получили."),
        ("message-headers", "[]"),
    ]
    request = form_request(fields + list(signed().items()), urlencoded)
    (message,) = adapter.parse(request, settings).messages
    assert message.from_address == "ivan.petrov@example.ru"


def test_store_notification_is_refused_not_stored(adapter, settings, sample, quoted, urlencoded):
    """A route with ``store(notify=...)`` posts the parsed fields plus ``message-url`` and an
    ``attachments`` JSON list: that is a misconfiguration (406: Mailgun must not resend it; the
    message stays in Mailgun's storage), not a message to store."""
    fields = with_fields(
        parsed_fields(sample, quoted, "ko"),
        message_url="https://storage.eu.mailgun.net/v3/domains/mg.example.net/messages/AgEFaa",
        attachments=json.dumps([]),
    )
    with pytest.raises(MalformedPayload) as exc:
        adapter.parse(form_request(fields + list(signed().items()), urlencoded), settings)
    assert exc.value.status == 406 and "store()" in exc.value.reason


def test_tracking_event_posted_here_is_refused(adapter, settings, urlencoded):
    fields = [
        ("event", "delivered"),
        ("recipient", "minsu.kim@example.co.kr"),
        ("domain", "mg.example.net"),
        ("message-headers", json.dumps([["From", "Support <support@example.com>"]])),
        ("body-plain", ""),
    ]
    with pytest.raises(MalformedPayload) as exc:
        adapter.parse(form_request(fields + list(signed().items()), urlencoded), settings)
    assert exc.value.status == 406 and "delivered" in exc.value.reason


def test_html_part_is_kept(adapter, settings, sample, quoted, urlencoded):
    fields = parsed_fields(sample, quoted, "ru") + list(signed().items())
    (message,) = adapter.parse(form_request(fields, urlencoded), settings).messages
    assert message.html == f"<p>{sample('ru')['reply']}</p>"
