"""Amazon SES email receiving, delivered by an SNS action to an HTTPS subscription.

Envelope (Amazon SNS "Verifying the signatures of Amazon SNS messages", docs.aws.amazon.com/
sns/latest/dg/sns-verify-signature-of-message.html): a JSON document with ``Type``,
``MessageId``, ``TopicArn``, ``Subject`` (optional), ``Message``, ``Timestamp``,
``SignatureVersion``, ``Signature``, ``SigningCertURL``, and for subscription handshakes
``Token``/``SubscribeURL``. SNS posts it as ``text/plain`` unless the delivery policy says
``application/json``; the ``x-amz-sns-message-type`` header repeats ``Type``.

Signature: ``Signature`` is base64 RSA PKCS#1 v1.5 -- SHA1 for ``SignatureVersion`` 1, SHA256
for 2 -- over the canonical string: for each documented field, in this order, ``name\\n
value\\n``. Notification: Message, MessageId, Subject (only if present), Timestamp, TopicArn,
Type. Subscription/UnsubscribeConfirmation: Message, MessageId, SubscribeURL, Timestamp, Token,
TopicArn, Type. The key comes from the certificate(s) pinned in
``TRIAGE_SES_SNS_CERTIFICATE_PATH``: ``SigningCertURL`` is never fetched (no outbound calls;
a URL in the message is attacker-controlled anyway) but must still name an
``sns.<region>.amazonaws.com`` HTTPS host. ``TopicArn`` must be one of ``TRIAGE_SES_TOPIC_ARNS``.

Handling: ``SubscriptionConfirmation`` -> no message; ``response`` carries the ``SubscribeURL``
for the operator to open (we make no outbound call). ``UnsubscribeConfirmation`` -> reported in
``response``. ``Notification`` -> ``Message`` is the SES receipt notification (SES "Contents of
notifications for Amazon SES email receiving"): ``notificationType`` ``Received``, ``receipt``,
``mail`` and ``content`` (raw MIME, present only for the SNS action; UTF-8 or base64 per the
action's encoding) -> MIME parser. Notifications without ``content`` are skipped.

Status codes: SNS retries only 5xx/unreachable and drops a message on 4xx. Signature, certificate
URL or topic failures are 403 (final: forged posts are not retried); malformed 400/422; 413.
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from service.config import Settings
from service.inbound.build import message_from_mime
from service.inbound.errors import (
    AuthError,
    InboundConfigError,
    MalformedPayload,
    ProviderDisabled,
)
from service.inbound.forms import decode_base64, json_body, load_json_field, require_media_type
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult

NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SUBSCRIPTION_FIELDS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
CANONICAL_FIELDS = {
    "Notification": NOTIFICATION_FIELDS,
    "SubscriptionConfirmation": SUBSCRIPTION_FIELDS,
    "UnsubscribeConfirmation": SUBSCRIPTION_FIELDS,
}
HASHES = {"1": hashes.SHA1, "2": hashes.SHA256}
CERT_HOST = re.compile(r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?")
_BASE64_ONLY = re.compile(r"[A-Za-z0-9+/=\s]+")


class SesAdapter:
    """SES receipt (SNS action) -> zero or one message, or a subscription handshake."""

    name = "ses"

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        certificates = _certificates_for(settings)
        check_request_size(request, settings, envelope=True)
        require_media_type(request, "text/plain", "application/json")
        envelope = json_body(request)
        kind = _validate_envelope(envelope, request.headers.get("x-amz-sns-message-type"))
        verify_sns_signature(envelope, certificates)
        if envelope["TopicArn"] not in settings.ses_topic_arns:
            raise AuthError("TopicArn is not one of TRIAGE_SES_TOPIC_ARNS", status=403)
        if kind == "SubscriptionConfirmation":
            return InboundResult(response=_handshake(envelope, "confirm_subscription"))
        if kind == "UnsubscribeConfirmation":
            return InboundResult(response=_handshake(envelope, "unsubscribed"))
        return self._notification(envelope, settings)

    def _notification(self, envelope: dict[str, Any], settings: Settings) -> InboundResult:
        notification = load_json_field(envelope["Message"], "SNS Message")
        if not isinstance(notification, dict):
            raise MalformedPayload("SES notification must be a JSON object", status=422)
        kind = notification.get("notificationType")
        content = notification.get("content")
        if kind != "Received" or not isinstance(content, str) or not content:
            return InboundResult(skipped=[f"SES {kind or 'unknown'} notification without content"])
        raw = _decode_content(content, _action(notification).get("encoding"))
        return InboundResult(
            messages=[message_from_mime(raw, provider=self.name, settings=settings)]
        )


def _certificates_for(settings: Settings) -> tuple[x509.Certificate, ...]:
    path = settings.ses_sns_certificate_path
    if path is None:
        raise ProviderDisabled("ses inbound is not configured (no pinned SNS certificate)")
    if not settings.ses_topic_arns:
        raise ProviderDisabled("ses inbound is not configured (TRIAGE_SES_TOPIC_ARNS is empty)")
    try:
        stat = path.stat()
    except OSError as exc:
        raise InboundConfigError("pinned SNS certificate file cannot be read") from exc
    return _load_certificates(path, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _load_certificates(path: Path, _mtime_ns: int) -> tuple[x509.Certificate, ...]:
    """All PEM certificates in the file (several allowed, for AWS key rotation)."""
    try:
        certificates = tuple(x509.load_pem_x509_certificates(path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise InboundConfigError("pinned SNS certificate file cannot be loaded") from exc
    if not all(isinstance(c.public_key(), rsa.RSAPublicKey) for c in certificates):
        raise InboundConfigError("pinned SNS certificate is not an RSA certificate")
    return certificates


def _validate_envelope(envelope: object, header_type: str | None) -> str:
    if not isinstance(envelope, dict):
        raise MalformedPayload("SNS message must be a JSON object", status=422)
    kind = envelope.get("Type")
    if not isinstance(kind, str) or kind not in CANONICAL_FIELDS:
        raise MalformedPayload(f"unsupported SNS message Type {kind!r}", status=422)
    if header_type and header_type != kind:
        raise MalformedPayload("x-amz-sns-message-type does not match Type", status=422)
    required = [f for f in CANONICAL_FIELDS[kind] if f != "Subject"]
    required += ["Signature", "SignatureVersion", "SigningCertURL"]
    missing = [f for f in required if not isinstance(envelope.get(f), str)]
    if missing:
        raise MalformedPayload(f"SNS message lacks {', '.join(missing)}", status=422)
    return kind


def canonical_string(envelope: dict[str, Any]) -> bytes:
    """The string SNS signs: ``name\\nvalue\\n`` for each documented field, in order."""
    lines: list[str] = []
    for name in CANONICAL_FIELDS[envelope["Type"]]:
        value = envelope.get(name)
        if value is None and name == "Subject":
            continue
        lines += [name, str(value)]
    return ("\n".join(lines) + "\n").encode()


def verify_sns_signature(
    envelope: dict[str, Any], certificates: tuple[x509.Certificate, ...]
) -> None:
    """Verify ``Signature`` against any pinned certificate; raise 403 AuthError otherwise."""
    algorithm = HASHES.get(envelope["SignatureVersion"])
    if algorithm is None:
        raise AuthError("unsupported SignatureVersion", status=403)
    cert_url = urlsplit(envelope["SigningCertURL"])
    if cert_url.scheme != "https" or not CERT_HOST.fullmatch(cert_url.hostname or ""):
        raise AuthError("SigningCertURL is not an Amazon SNS HTTPS URL", status=403)
    try:
        signature = base64.b64decode(envelope["Signature"], validate=True)
    except binascii.Error as exc:
        raise AuthError("Signature is not base64", status=403) from exc
    data = canonical_string(envelope)
    for certificate in certificates:
        key = certificate.public_key()
        assert isinstance(key, rsa.RSAPublicKey)  # checked when loading
        try:
            key.verify(signature, data, padding.PKCS1v15(), algorithm())
            return
        except InvalidSignature:
            continue
    raise AuthError("SNS signature does not match the pinned certificate", status=403)


def _handshake(envelope: dict[str, Any], action: str) -> dict[str, Any]:
    return {
        "action": action,
        "topic_arn": envelope["TopicArn"],
        "subscribe_url": envelope["SubscribeURL"],
        "message": envelope["Message"],
    }


def _action(notification: dict[str, Any]) -> dict[str, Any]:
    receipt = notification.get("receipt")
    action = receipt.get("action") if isinstance(receipt, dict) else None
    return action if isinstance(action, dict) else {}


def _decode_content(content: str, encoding: object) -> bytes:
    """``content`` per the SNS action encoding (UTF-8 default, or Base64).

    When the notification does not say, base64 is recognised by its alphabet: a MIME message
    always has ``Name: value`` header lines, which base64 cannot contain.
    """
    declared = str(encoding or "").upper().replace("-", "")
    if declared == "BASE64" or (not declared and _BASE64_ONLY.fullmatch(content)):
        return decode_base64(content, "SES content")
    return content.encode("utf-8", errors="surrogateescape")
