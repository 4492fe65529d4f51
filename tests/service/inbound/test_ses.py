"""Amazon SES receipt via SNS: pinned-certificate signatures (v1/v2), topics, handshakes."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from service.inbound import (
    AuthError,
    InboundConfigError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    UnsupportedMediaType,
)
from service.inbound.ses import SesAdapter, canonical_string

TOPIC = "arn:aws:sns:us-east-1:123456789012:ses-inbound"
CERT_URL = (
    "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-"
    "9c6465fa7f48f5cacd23014631ec1136.pem"
)


@pytest.fixture
def settings(make_settings, sns_certificate):
    return make_settings(
        ses_sns_certificate_path=sns_certificate,
        ses_topic_arns=[TOPIC],
        max_message_bytes=64 * 1024,
    )


def ses_notification(raw: bytes, encoding: str | None = "UTF8") -> str:
    """The SES receipt notification (the SNS ``Message``), as in the SES docs example."""
    action = {"type": "SNS", "topicArn": TOPIC}
    if encoding:
        action["encoding"] = encoding
    content = raw.decode() if encoding != "BASE64" else base64.b64encode(raw).decode()
    return json.dumps(
        {
            "notificationType": "Received",
            "receipt": {
                "timestamp": "2025-03-04T09:30:00.936Z",
                "processingTimeMillis": 222,
                "recipients": ["support@example.com"],
                "spamVerdict": {"status": "PASS"},
                "virusVerdict": {"status": "PASS"},
                "spfVerdict": {"status": "PASS"},
                "dkimVerdict": {"status": "PASS"},
                "action": action,
            },
            "mail": {
                "timestamp": "2025-03-04T09:30:00.936Z",
                "source": "sender@example.net",
                "messageId": "d6iitobk75ur44p8kdnnp7g2n800",
                "destination": ["support@example.com"],
                "headersTruncated": False,
                "headers": [{"name": "Subject", "value": "ignored: content wins"}],
            },
            "content": content,
        },
        ensure_ascii=False,
    )


def envelope(kind: str, message: str, *, subject: str | None = None, **extra: str) -> dict:
    doc = {
        "Type": kind,
        "MessageId": "22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324",
        "TopicArn": TOPIC,
        "Message": message,
        "Timestamp": "2025-03-04T09:30:01.123Z",
        "SignatureVersion": "1",
        "SigningCertURL": CERT_URL,
    }
    if subject is not None:
        doc["Subject"] = subject
    if kind != "Notification":
        doc["Token"] = "2336412f37fb687f5d51e6e2425c464de12884ad67fb4b3b2b5d4b5e"
        doc["SubscribeURL"] = (
            "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription"
            f"&TopicArn={TOPIC}&Token=2336412f37fb"
        )
    else:
        doc["UnsubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe"
    doc.update(extra)
    return doc


def sign(doc: dict, key, version: str = "1") -> dict:
    doc = dict(doc, SignatureVersion=version)
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(canonical_string(doc), padding.PKCS1v15(), algorithm)
    return dict(doc, Signature=base64.b64encode(signature).decode())


def request(doc: dict, ctype: str = "text/plain; charset=UTF-8", header: str | None = None):
    headers = {"Content-Type": ctype, "x-amz-sns-message-type": header or doc.get("Type", "")}
    return InboundRequest(headers=headers, body=json.dumps(doc, ensure_ascii=False).encode())


def test_canonical_string_order():
    doc = envelope("Notification", "hello\nworld", subject="Amazon SES Email Receipt Notification")
    assert canonical_string(doc).decode() == (
        "Message\nhello\nworld\nMessageId\n22b80b92-fdea-4c2c-8f9d-bdfb0c7bf324\n"
        "Subject\nAmazon SES Email Receipt Notification\n"
        "Timestamp\n2025-03-04T09:30:01.123Z\nTopicArn\n" + TOPIC + "\nType\nNotification\n"
    )
    sub = envelope("SubscriptionConfirmation", "confirm")
    keys = canonical_string(sub).decode().split("\n")[0::2][:-1]
    assert keys == [
        "Message",
        "MessageId",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ]


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("encoding", ["UTF8", "BASE64", None])
def test_notification(settings, rsa_key, make_mime, sample, lang, version, encoding):
    raw = make_mime(lang, message_id="<ses-1@mail.example.net>")
    doc = sign(
        envelope(
            "Notification",
            ses_notification(raw, encoding),
            subject="Amazon SES Email Receipt Notification",
        ),
        rsa_key,
        version,
    )
    result = SesAdapter().parse(request(doc), settings)
    (message,) = result.messages
    assert message.from_address == sample(lang)["address"]
    assert message.subject == sample(lang)["subject"]
    assert message.message_id == "<ses-1@mail.example.net>"
    assert message.provider == "ses"
    assert result.response is None


def test_notification_without_subject_and_json_content_type(settings, rsa_key, make_mime):
    doc = sign(envelope("Notification", ses_notification(make_mime("ru"))), rsa_key, "2")
    assert SesAdapter().parse(request(doc, ctype="application/json"), settings).messages


def test_subscription_confirmation_returns_subscribe_url(settings, rsa_key):
    doc = sign(envelope("SubscriptionConfirmation", "You have chosen to subscribe..."), rsa_key)
    result = SesAdapter().parse(request(doc), settings)
    assert result.messages == []
    assert result.response is not None
    assert result.response["action"] == "confirm_subscription"
    assert result.response["subscribe_url"].startswith("https://sns.us-east-1.amazonaws.com/")
    assert result.response["topic_arn"] == TOPIC


def test_unsubscribe_confirmation(settings, rsa_key):
    doc = sign(envelope("UnsubscribeConfirmation", "You have unsubscribed"), rsa_key, "2")
    result = SesAdapter().parse(request(doc), settings)
    assert result.messages == [] and result.response["action"] == "unsubscribed"


def test_receipt_alert_without_content_is_skipped(settings, rsa_key):
    alert = json.loads(ses_notification(b"From: a@b.c\r\n\r\nx"))
    del alert["content"]
    alert["receipt"]["action"] = {"type": "S3", "bucketName": "mail", "objectKey": "k"}
    doc = sign(envelope("Notification", json.dumps(alert)), rsa_key)
    result = SesAdapter().parse(request(doc), settings)
    assert result.messages == [] and result.skipped


def test_forged_signature_is_403(settings, other_rsa_key, make_mime):
    doc = sign(envelope("Notification", ses_notification(make_mime())), other_rsa_key)
    with pytest.raises(AuthError) as exc:
        SesAdapter().parse(request(doc), settings)
    assert exc.value.status == 403


def test_tampered_message_is_403(settings, rsa_key, make_mime):
    doc = sign(envelope("Notification", ses_notification(make_mime("ko"))), rsa_key)
    doc["Message"] = ses_notification(make_mime("ru"))
    with pytest.raises(AuthError):
        SesAdapter().parse(request(doc), settings)


def test_signature_version_mismatch_is_403(settings, rsa_key, make_mime):
    doc = sign(envelope("Notification", ses_notification(make_mime())), rsa_key, "2")
    doc["SignatureVersion"] = "1"
    with pytest.raises(AuthError):
        SesAdapter().parse(request(doc), settings)


def test_unknown_signature_version_is_403(settings, rsa_key, make_mime):
    doc = sign(envelope("Notification", ses_notification(make_mime())), rsa_key)
    doc["SignatureVersion"] = "3"
    with pytest.raises(AuthError):
        SesAdapter().parse(request(doc), settings)


def test_wrong_topic_is_403(settings, rsa_key, make_mime):
    other = "arn:aws:sns:us-east-1:999999999999:attacker-topic"
    doc = sign(envelope("Notification", ses_notification(make_mime()), TopicArn=other), rsa_key)
    with pytest.raises(AuthError) as exc:
        SesAdapter().parse(request(doc), settings)
    assert exc.value.status == 403
    assert "TopicArn" in exc.value.reason


@pytest.mark.parametrize(
    "url",
    [
        "http://sns.us-east-1.amazonaws.com/cert.pem",
        "https://sns.us-east-1.amazonaws.com.evil.example/cert.pem",
        "https://evil.example/sns.us-east-1.amazonaws.com.pem",
    ],
)
def test_untrusted_cert_url_is_403(settings, rsa_key, make_mime, url):
    doc = sign(envelope("Notification", ses_notification(make_mime()), SigningCertURL=url), rsa_key)
    with pytest.raises(AuthError):
        SesAdapter().parse(request(doc), settings)


def test_disabled_without_certificate_or_topics(make_settings, sns_certificate, rsa_key):
    doc = sign(envelope("SubscriptionConfirmation", "x"), rsa_key)
    with pytest.raises(ProviderDisabled):
        SesAdapter().parse(request(doc), make_settings(ses_topic_arns=[TOPIC]))
    with pytest.raises(ProviderDisabled):
        SesAdapter().parse(request(doc), make_settings(ses_sns_certificate_path=sns_certificate))


def test_unreadable_certificate_is_503(make_settings, tmp_path, rsa_key):
    bad = tmp_path / "bad.pem"
    bad.write_text("not a certificate")
    doc = sign(envelope("SubscriptionConfirmation", "x"), rsa_key)
    for path in (bad, tmp_path / "missing.pem"):
        settings = make_settings(ses_sns_certificate_path=path, ses_topic_arns=[TOPIC])
        with pytest.raises(InboundConfigError):
            SesAdapter().parse(request(doc), settings)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[]", 422),
        (json.dumps({"Type": "Bogus"}).encode(), 422),
        (json.dumps({"Type": "Notification", "Message": "x"}).encode(), 422),
    ],
)
def test_malformed_envelopes(settings, body, status):
    req = InboundRequest(headers={"Content-Type": "text/plain"}, body=body)
    with pytest.raises(MalformedPayload) as exc:
        SesAdapter().parse(req, settings)
    assert exc.value.status == status


def test_header_type_mismatch_is_422(settings, rsa_key, make_mime):
    doc = sign(envelope("Notification", ses_notification(make_mime())), rsa_key)
    with pytest.raises(MalformedPayload):
        SesAdapter().parse(request(doc, header="SubscriptionConfirmation"), settings)


def test_message_not_json_is_422(settings, rsa_key):
    doc = sign(envelope("Notification", "plain text, not an SES notification"), rsa_key)
    with pytest.raises(MalformedPayload) as exc:
        SesAdapter().parse(request(doc), settings)
    assert exc.value.status == 422


def test_bad_base64_content_is_422(settings, rsa_key):
    notification = json.loads(ses_notification(b"From: a@b.c\r\n\r\nx"))
    notification["receipt"]["action"]["encoding"] = "BASE64"
    notification["content"] = "***"
    doc = sign(envelope("Notification", json.dumps(notification)), rsa_key)
    with pytest.raises(MalformedPayload):
        SesAdapter().parse(request(doc), settings)


def test_wrong_content_type_is_415(settings, rsa_key):
    doc = sign(envelope("SubscriptionConfirmation", "x"), rsa_key)
    with pytest.raises(UnsupportedMediaType):
        SesAdapter().parse(request(doc, ctype="application/x-www-form-urlencoded"), settings)


def test_too_large_is_413(settings, rsa_key, make_mime):
    raw = make_mime() + ("ж" * 40_000).encode()
    doc = sign(envelope("Notification", ses_notification(raw)), rsa_key)
    with pytest.raises(PayloadTooLarge):
        SesAdapter().parse(request(doc), settings)
