"""Postal HTTP endpoints: raw-message and hash formats, RSA-SHA256 / RSA-SHA1 signatures."""

from __future__ import annotations

import base64
import json
from urllib.parse import urlencode

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding

from service.inbound import (
    AuthError,
    InboundConfigError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    UnsupportedMediaType,
)
from service.inbound.postal import SIGNATURE_256_HEADER, SIGNATURE_SHA1_HEADER, PostalAdapter


@pytest.fixture
def settings(make_settings, rsa_key, der_b64):
    # What `postal default-dkim-record` prints; the adapter takes the p= value from it.
    record = f"v=DKIM1; t=s; h=sha256; p={der_b64(rsa_key)};"
    return make_settings(postal_public_key=record, max_message_bytes=64 * 1024)


def signatures(key, body: bytes, *, sha256: bool = True, sha1: bool = True) -> dict[str, str]:
    """Current Postal sends both headers (lib/postal/http.rb)."""
    headers = {}
    if sha256:
        sig = key.sign(body, padding.PKCS1v15(), hashes.SHA256())
        headers[SIGNATURE_256_HEADER] = base64.b64encode(sig).decode()
    if sha1:
        sig = key.sign(body, padding.PKCS1v15(), hashes.SHA1())
        headers[SIGNATURE_SHA1_HEADER] = base64.b64encode(sig).decode()
    return headers


def raw_payload(raw: bytes) -> dict:
    """The "Raw message" format; Ruby's Base64.encode64 wraps lines every 60 characters."""
    b64 = base64.encodebytes(raw).decode()
    return {"id": 12345, "rcpt_to": "support@example.com", "mail_from": "x@example.net",
            "message": b64, "base64": True, "size": len(raw)}  # fmt: skip


def hash_payload(sample, quoted, lang: str, strip: bool = False) -> dict:
    """The "Hash" (processed) format, field for field from the Postal docs."""
    s = sample(lang)
    payload = {
        "id": 12345,
        "rcpt_to": "support@example.com",
        "mail_from": s["address"],
        "token": "rtmuzogUauKN",
        "subject": s["subject"],
        "message_id": "81026759-68fb-4872-8c97-6dd2901cb33a@mail.example.net",
        "timestamp": 1741080600.924355,
        "size": "822",
        "spam_status": "NotSpam",
        "bounce": False,
        "received_with_ssl": True,
        "to": "support@example.com",
        "cc": None,
        "from": f"{s['name']} <{s['address']}>",
        "date": "Tue, 04 Mar 2025 12:30:00 +0300",
        "in_reply_to": "<orig-1@example.com>",
        "references": "<orig-0@example.com> <orig-1@example.com>",
        "plain_body": quoted(lang),
        "html_body": f"<p>{s['reply']}</p>",
        "auto_submitted": None,
        "attachment_quantity": 1,
        "reply_to": None,
    }
    if strip:
        payload["plain_body"] = s["reply"]
        payload["replies_from_plain_body"] = f"{s['attribution']}\n> {s['quoted']}"
    return payload


def json_request(payload: dict, key, **sig) -> InboundRequest:
    body = json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", **signatures(key, body, **sig)}
    return InboundRequest(headers=headers, body=body)


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_raw_message_format(settings, rsa_key, make_mime, sample, lang):
    raw = make_mime(lang, message_id="<postal-raw@mail.example.net>")
    (message,) = PostalAdapter().parse(json_request(raw_payload(raw), rsa_key), settings).messages
    assert message.from_address == sample(lang)["address"]
    assert message.subject == sample(lang)["subject"]
    assert message.message_id == "<postal-raw@mail.example.net>"
    assert message.provider == "postal"


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
@pytest.mark.parametrize("strip", [False, True])
def test_hash_format(settings, rsa_key, sample, quoted, lang, strip):
    payload = hash_payload(sample, quoted, lang, strip=strip)
    (message,) = PostalAdapter().parse(json_request(payload, rsa_key), settings).messages
    s = sample(lang)
    assert message.from_address == s["address"] and message.from_name == s["name"]
    assert message.subject == s["subject"]
    assert message.message_id == "<81026759-68fb-4872-8c97-6dd2901cb33a@mail.example.net>"
    assert message.in_reply_to == "<orig-1@example.com>"
    assert message.references == ["<orig-0@example.com>", "<orig-1@example.com>"]
    assert message.attachments == 1
    assert s["reply"].split(".")[0] in message.text
    assert s["quoted"] not in message.text


def test_form_data_encoding(settings, rsa_key, sample, quoted):
    payload = {k: "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)
               for k, v in hash_payload(sample, quoted, "tr").items()}  # fmt: skip
    body = urlencode(payload).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded", **signatures(rsa_key, body)}
    (message,) = (
        PostalAdapter().parse(InboundRequest(headers=headers, body=body), settings).messages
    )
    assert message.subject == sample("tr")["subject"]


def test_sha1_only_from_older_postal(settings, rsa_key, make_mime):
    req = json_request(raw_payload(make_mime("ru")), rsa_key, sha256=False)
    assert PostalAdapter().parse(req, settings).messages


def test_pem_key_accepted(make_settings, rsa_key, pem, make_mime):
    settings = make_settings(postal_public_key=pem(rsa_key))
    assert PostalAdapter().parse(json_request(raw_payload(make_mime()), rsa_key), settings).messages


def test_bounce_is_skipped(settings, rsa_key, sample, quoted):
    payload = hash_payload(sample, quoted, "ko") | {"bounce": True}
    result = PostalAdapter().parse(json_request(payload, rsa_key), settings)
    assert result.messages == [] and result.skipped


def test_forged_signature_is_403(settings, other_rsa_key, make_mime):
    req = json_request(raw_payload(make_mime()), other_rsa_key)
    with pytest.raises(AuthError) as exc:
        PostalAdapter().parse(req, settings)
    assert exc.value.status == 403


def test_bad_sha256_does_not_fall_back_to_sha1(settings, rsa_key, other_rsa_key, make_mime):
    body = json.dumps(raw_payload(make_mime())).encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_256_HEADER: signatures(other_rsa_key, body, sha1=False)[SIGNATURE_256_HEADER],
        SIGNATURE_SHA1_HEADER: signatures(rsa_key, body, sha256=False)[SIGNATURE_SHA1_HEADER],
    }
    with pytest.raises(AuthError):
        PostalAdapter().parse(InboundRequest(headers=headers, body=body), settings)


def test_tampered_body_is_403(settings, rsa_key, make_mime):
    req = json_request(raw_payload(make_mime()), rsa_key)
    req.body = req.body.replace(b"12345", b"12346")
    with pytest.raises(AuthError):
        PostalAdapter().parse(req, settings)


def test_missing_signature_is_403(settings, rsa_key, make_mime):
    req = json_request(raw_payload(make_mime()), rsa_key, sha256=False, sha1=False)
    with pytest.raises(AuthError) as exc:
        PostalAdapter().parse(req, settings)
    assert exc.value.status == 403


def test_disabled_without_key(make_settings, rsa_key, make_mime):
    with pytest.raises(ProviderDisabled):
        PostalAdapter().parse(json_request(raw_payload(make_mime()), rsa_key), make_settings())


def test_non_rsa_key_is_503(make_settings, rsa_key, pem, make_mime):
    settings = make_settings(postal_public_key=pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(InboundConfigError):
        PostalAdapter().parse(json_request(raw_payload(make_mime()), rsa_key), settings)


@pytest.mark.parametrize(
    "payload",
    [
        {"id": 1, "message": "%%% not base64", "base64": True},
        {"id": 1, "message": 42, "base64": False},
        {"id": 1, "rcpt_to": "a@example.com"},
    ],
)
def test_malformed_payload_is_422(settings, rsa_key, payload):
    with pytest.raises(MalformedPayload) as exc:
        PostalAdapter().parse(json_request(payload, rsa_key), settings)
    assert exc.value.status == 422


def test_bad_json_is_400(settings, rsa_key):
    body = b'{"id": 1, "message": '
    headers = {"Content-Type": "application/json", **signatures(rsa_key, body)}
    with pytest.raises(MalformedPayload) as exc:
        PostalAdapter().parse(InboundRequest(headers=headers, body=body), settings)
    assert exc.value.status == 400


def test_wrong_content_type_is_415(settings, rsa_key):
    body = b"From: a@example.com\r\n\r\nhi"
    headers = {"Content-Type": "message/rfc822", **signatures(rsa_key, body)}
    with pytest.raises(UnsupportedMediaType):
        PostalAdapter().parse(InboundRequest(headers=headers, body=body), settings)


def test_too_large_is_413(settings, rsa_key, make_mime):
    raw = make_mime() + b"A" * (70 * 1024)
    with pytest.raises(PayloadTooLarge):
        PostalAdapter().parse(json_request(raw_payload(raw), rsa_key), settings)
