"""SendGrid Inbound Parse: multipart raw/parsed modes, ECDSA policy signature, OAuth, basic."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from service.inbound import (
    AuthError,
    InboundConfigError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    ReplayedRequest,
    UnsupportedMediaType,
)
from service.inbound.sendgrid import SIGNATURE_HEADER, TIMESTAMP_HEADER, SendGridAdapter

NOW = 1_741_080_600
SIG_TS = str(NOW)


def sign(key: ec.EllipticCurvePrivateKey, body: bytes, timestamp: str = SIG_TS) -> dict[str, str]:
    signature = key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {SIGNATURE_HEADER: base64.b64encode(signature).decode(), TIMESTAMP_HEADER: timestamp}


def parsed_fields(sample, quoted, lang: str, charset: str = "UTF-8") -> list[tuple[str, str]]:
    """Parsed-mode fields as SendGrid documents them."""
    s = sample(lang)
    headers = (
        "Received: by mx0047p1mdw1.sendgrid.net with SMTP id 6WCVv7KAWn Tue, 04 Mar 2025\r\n"
        f"From: {s['name']} <{s['address']}>\r\n"
        "To: support@parse.example.com\r\n"
        "Subject: =?UTF-8?B?" + base64.b64encode(s["subject"].encode()).decode() + "?=\r\n"
        "Date: Tue, 04 Mar 2025 12:30:00 +0300\r\n"
        "Message-ID: <sg-parsed-1@mail.example.net>\r\n"
        "In-Reply-To: <orig-1@example.com>\r\n"
        "References: <orig-1@example.com>\r\n"
        "MIME-Version: 1.0\r\n"
    )
    return [
        ("headers", headers),
        ("dkim", "{@example.net : pass}"),
        ("to", "support@parse.example.com"),
        ("from", f"{s['name']} <{s['address']}>"),
        ("text", quoted(lang)),
        ("html", f"<p>{s['reply']}</p>"),
        ("sender_ip", "209.85.220.41"),
        ("envelope", json.dumps({"to": ["support@parse.example.com"], "from": s["address"]})),
        ("attachments", "0"),
        ("subject", s["subject"]),
        ("spam_score", "0.1"),
        (
            "charsets",
            json.dumps(
                {
                    "to": "UTF-8",
                    "html": charset,
                    "subject": "UTF-8",
                    "from": "UTF-8",
                    "text": charset,
                }
            ),
        ),
        ("SPF", "pass"),
    ]


@pytest.fixture
def adapter():
    return SendGridAdapter(clock=lambda: NOW)


@pytest.fixture
def signed_settings(make_settings, ec_key, der_b64):
    # The policy API returns the key as bare base64 DER, exactly like this.
    return make_settings(sendgrid_public_key=der_b64(ec_key), max_message_bytes=64 * 1024)


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_parsed_mode_signed(adapter, signed_settings, ec_key, multipart, sample, quoted, lang):
    body, ctype = multipart(parsed_fields(sample, quoted, lang))
    req = InboundRequest(headers={"Content-Type": ctype, **sign(ec_key, body)}, body=body)
    (message,) = adapter.parse(req, signed_settings).messages
    s = sample(lang)
    assert message.from_address == s["address"]
    assert message.from_name == s["name"]
    assert message.subject == s["subject"]
    assert message.to_addresses == ["support@parse.example.com"]
    assert message.message_id == "<sg-parsed-1@mail.example.net>"
    assert message.in_reply_to == "<orig-1@example.com>"
    assert s["reply"].split(".")[0] in message.text
    assert s["quoted"] not in message.text
    assert message.provider == "sendgrid"


def test_field_charsets_are_honoured(adapter, make_settings, multipart, sample, quoted):
    """Russian text sent as KOI8-R, declared in ``charsets``: decoded, not mojibake."""
    fields = parsed_fields(sample, quoted, "ru", charset="KOI8-R")
    encoded = [(k, v.encode("koi8-r") if k == "text" else v) for k, v in fields]
    body, ctype = multipart(encoded)
    settings = make_settings(sendgrid_basic_user="sg", sendgrid_basic_password="pw")
    auth = "Basic " + base64.b64encode(b"sg:pw").decode()
    req = InboundRequest(headers={"Content-Type": ctype, "Authorization": auth}, body=body)
    (message,) = adapter.parse(req, settings).messages
    assert "исправленный счёт" in message.text


def test_raw_mode(adapter, signed_settings, ec_key, multipart, make_mime, sample):
    raw = make_mime("tr", message_id="<sg-raw-1@mail.example.net>")
    fields = [
        ("dkim", "{@example.com.tr : pass}"),
        ("email", raw),
        ("to", "support@parse.example.com"),
        ("from", "Ayşe Yılmaz <ayse.yilmaz@example.com.tr>"),
        ("subject", sample("tr")["subject"]),
        ("envelope", '{"to":["support@parse.example.com"],"from":"ayse.yilmaz@example.com.tr"}'),
        ("charsets", '{"to":"UTF-8","from":"UTF-8","subject":"UTF-8"}'),
        ("SPF", "pass"),
    ]
    body, ctype = multipart(fields)
    req = InboundRequest(headers={"Content-Type": ctype, **sign(ec_key, body)}, body=body)
    (message,) = adapter.parse(req, signed_settings).messages
    assert message.message_id == "<sg-raw-1@mail.example.net>"
    assert message.from_address == "ayse.yilmaz@example.com.tr"


def test_pem_public_key_accepted(adapter, make_settings, ec_key, pem, multipart):
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    settings = make_settings(sendgrid_public_key=pem(ec_key))
    req = InboundRequest(headers={"Content-Type": ctype, **sign(ec_key, body)}, body=body)
    assert adapter.parse(req, settings).messages


def test_forged_signature_is_403(adapter, signed_settings, multipart):
    attacker = ec.generate_private_key(ec.SECP256R1())
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    req = InboundRequest(headers={"Content-Type": ctype, **sign(attacker, body)}, body=body)
    with pytest.raises(AuthError) as exc:
        adapter.parse(req, signed_settings)
    assert exc.value.status == 403


def test_tampered_body_is_403(adapter, signed_settings, ec_key, multipart):
    body, ctype = multipart([("from", "a@example.com"), ("text", "pay invoice 100")])
    headers = sign(ec_key, body)
    tampered = body.replace(b"100", b"900")
    req = InboundRequest(headers={"Content-Type": ctype, **headers}, body=tampered)
    with pytest.raises(AuthError):
        adapter.parse(req, signed_settings)


def test_tampered_timestamp_is_403(adapter, signed_settings, ec_key, multipart):
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    headers = sign(ec_key, body) | {TIMESTAMP_HEADER: str(NOW + 1)}
    with pytest.raises(AuthError):
        adapter.parse(
            InboundRequest(headers={"Content-Type": ctype, **headers}, body=body), signed_settings
        )


@pytest.mark.parametrize("drop", [SIGNATURE_HEADER, TIMESTAMP_HEADER])
def test_missing_signature_headers_are_403(adapter, signed_settings, ec_key, multipart, drop):
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    headers = sign(ec_key, body)
    del headers[drop]
    with pytest.raises(AuthError) as exc:
        adapter.parse(
            InboundRequest(headers={"Content-Type": ctype, **headers}, body=body), signed_settings
        )
    assert exc.value.status == 403


def test_garbage_signature_is_403(adapter, signed_settings, multipart):
    body, ctype = multipart([("from", "a@example.com")])
    headers = {SIGNATURE_HEADER: "%%%not-base64", TIMESTAMP_HEADER: SIG_TS}
    with pytest.raises(AuthError):
        adapter.parse(
            InboundRequest(headers={"Content-Type": ctype, **headers}, body=body), signed_settings
        )


def test_stale_timestamp_when_window_configured(make_settings, ec_key, der_b64, multipart):
    settings = make_settings(sendgrid_public_key=der_b64(ec_key), sendgrid_max_age_seconds=300)
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    headers = sign(ec_key, body, timestamp=str(NOW - 3600))
    with pytest.raises(ReplayedRequest) as exc:
        SendGridAdapter(clock=lambda: NOW).parse(
            InboundRequest(headers={"Content-Type": ctype, **headers}, body=body), settings
        )
    assert exc.value.status == 403


def test_oauth_bearer_hybrid(adapter, make_settings, ec_key, der_b64, multipart):
    settings = make_settings(sendgrid_public_key=der_b64(ec_key), sendgrid_oauth_token="tok-1")
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    good = {"Content-Type": ctype, "Authorization": "Bearer tok-1", **sign(ec_key, body)}
    assert adapter.parse(InboundRequest(headers=good, body=body), settings).messages
    bad = good | {"Authorization": "Bearer tok-2"}
    with pytest.raises(AuthError) as exc:
        adapter.parse(InboundRequest(headers=bad, body=body), settings)
    assert exc.value.status == 401
    unsigned = {k: v for k, v in good.items() if k != SIGNATURE_HEADER}
    with pytest.raises(AuthError) as exc:
        adapter.parse(InboundRequest(headers=unsigned, body=body), settings)
    assert exc.value.status == 403


def test_token_validator_hook(make_settings, multipart):
    adapter = SendGridAdapter(token_validator=lambda token: token == "introspected")
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    ok = {"Content-Type": ctype, "Authorization": "Bearer introspected"}
    assert adapter.parse(InboundRequest(headers=ok, body=body), make_settings()).messages
    with pytest.raises(AuthError):
        adapter.parse(
            InboundRequest(headers=ok | {"Authorization": "Bearer x"}, body=body), make_settings()
        )


@pytest.mark.parametrize(
    "authorization",
    [None, "Basic " + base64.b64encode(b"sg:wrong").decode(), "Basic !!!", "Bearer pw"],
)
def test_basic_auth_failures_are_401(adapter, make_settings, multipart, authorization):
    settings = make_settings(sendgrid_basic_user="sg", sendgrid_basic_password="pw")
    body, ctype = multipart([("from", "a@example.com"), ("text", "hi")])
    headers = {"Content-Type": ctype} | ({"Authorization": authorization} if authorization else {})
    with pytest.raises(AuthError) as exc:
        adapter.parse(InboundRequest(headers=headers, body=body), settings)
    assert exc.value.status == 401
    assert "Basic" in exc.value.headers["WWW-Authenticate"]


def test_disabled_without_any_credential(adapter, make_settings, multipart):
    body, ctype = multipart([("from", "a@example.com")])
    with pytest.raises(ProviderDisabled):
        adapter.parse(InboundRequest(headers={"Content-Type": ctype}, body=body), make_settings())


def test_unusable_configured_key_is_503(adapter, make_settings, rsa_key, der_b64, multipart):
    body, ctype = multipart([("from", "a@example.com")])
    headers = {"Content-Type": ctype, SIGNATURE_HEADER: "AAAA", TIMESTAMP_HEADER: SIG_TS}
    for key in ("not a key", der_b64(rsa_key)):
        with pytest.raises(InboundConfigError) as exc:
            adapter.parse(
                InboundRequest(headers=headers, body=body), make_settings(sendgrid_public_key=key)
            )
        assert exc.value.status == 503


def _basic_settings(make_settings):
    return make_settings(
        sendgrid_basic_user="sg", sendgrid_basic_password="pw", max_message_bytes=16 * 1024
    )


BASIC = "Basic " + base64.b64encode(b"sg:pw").decode()


def test_missing_fields_is_422(adapter, make_settings, multipart):
    body, ctype = multipart([("subject", "only a subject"), ("SPF", "pass")])
    req = InboundRequest(headers={"Content-Type": ctype, "Authorization": BASIC}, body=body)
    with pytest.raises(MalformedPayload) as exc:
        adapter.parse(req, _basic_settings(make_settings))
    assert exc.value.status == 422


def test_bad_charsets_json_is_422(adapter, make_settings, multipart):
    body, ctype = multipart([("from", "a@example.com"), ("charsets", "{not json")])
    req = InboundRequest(headers={"Content-Type": ctype, "Authorization": BASIC}, body=body)
    with pytest.raises(MalformedPayload):
        adapter.parse(req, _basic_settings(make_settings))


def test_json_content_type_is_415(adapter, make_settings):
    req = InboundRequest(
        headers={"Content-Type": "application/json", "Authorization": BASIC}, body=b"{}"
    )
    with pytest.raises(UnsupportedMediaType):
        adapter.parse(req, _basic_settings(make_settings))


def test_too_large_is_413(adapter, make_settings, multipart):
    body, ctype = multipart([("from", "a@example.com"), ("text", "ğ" * 20_000)])
    req = InboundRequest(headers={"Content-Type": ctype, "Authorization": BASIC}, body=body)
    with pytest.raises(PayloadTooLarge):
        adapter.parse(req, _basic_settings(make_settings))


# --- attachments as SendGrid documents them: files and inline images --------------------------


def with_parts(fields: list[tuple[str, str]], info: dict, count: int) -> list[tuple[str, str]]:
    content_ids = {part["content-id"]: name for name, part in info.items() if "content-id" in part}
    kept = [(k, v) for k, v in fields if k != "attachments"]
    return [
        *kept,
        ("attachments", str(count)),
        ("attachment-info", json.dumps(info)),
        ("content-ids", json.dumps(content_ids)),
    ]


def basic_request(body: bytes, ctype: str) -> InboundRequest:
    auth = "Basic " + base64.b64encode(b"sg:pw").decode()
    return InboundRequest(headers={"Content-Type": ctype, "Authorization": auth}, body=body)


@pytest.fixture
def basic_settings(make_settings):
    return make_settings(sendgrid_basic_user="sg", sendgrid_basic_password="pw")


def test_inline_images_are_not_attachments(adapter, basic_settings, multipart, sample, quoted):
    info = {
        "attachment1": {"filename": "logo.png", "name": "logo.png", "type": "image/png",
                        "content-id": "ii_logo1"},
        "attachment2": {"filename": "teklif.pdf", "name": "teklif.pdf", "type": "application/pdf"},
        "attachment3": {"filename": "fiyat.xlsx", "name": "fiyat.xlsx",
                        "type": "application/vnd.ms-excel"},
    }  # fmt: skip
    files = [
        ("attachment1", "logo.png", "image/png", b"\x89PNG"),
        ("attachment2", "teklif.pdf", "application/pdf", b"%PDF-1.4"),
        ("attachment3", "fiyat.xlsx", "application/vnd.ms-excel", b"PK\x03\x04"),
    ]
    body, ctype = multipart(with_parts(parsed_fields(sample, quoted, "tr"), info, 3), files=files)
    (message,) = adapter.parse(basic_request(body, ctype), basic_settings).messages
    assert message.attachments == 2


def test_only_inline_images_means_no_attachments(
    adapter, basic_settings, multipart, sample, quoted
):
    info = {
        f"attachment{n}": {"filename": f"image00{n}.jpg", "type": "image/jpeg",
                           "content-id": f"ii_k{n}"}
        for n in range(1, 5)
    }  # fmt: skip
    body, ctype = multipart(with_parts(parsed_fields(sample, quoted, "ko"), info, 4))
    (message,) = adapter.parse(basic_request(body, ctype), basic_settings).messages
    assert message.attachments == 0


def test_content_ids_alone_name_the_inline_images(
    adapter, basic_settings, multipart, sample, quoted
):
    fields = [(k, v) for k, v in parsed_fields(sample, quoted, "ru") if k != "attachments"]
    fields += [("attachments", "2"), ("content-ids", json.dumps({"ii_sig": "attachment1"}))]
    body, ctype = multipart(fields)
    (message,) = adapter.parse(basic_request(body, ctype), basic_settings).messages
    assert message.attachments == 1


def test_html_part_is_kept(adapter, basic_settings, multipart, sample, quoted):
    body, ctype = multipart(parsed_fields(sample, quoted, "ko"))
    (message,) = adapter.parse(basic_request(body, ctype), basic_settings).messages
    assert message.html == f"<p>{sample('ko')['reply']}</p>"
