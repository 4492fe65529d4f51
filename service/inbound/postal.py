"""Postal (self-hosted mail server) HTTP endpoints.

Payload (Postal "Receiving e-mail by HTTP", docs.postalserver.io/developer/http-payloads, and
Postal's ``app/senders/http_sender.rb``): the endpoint's *encoding* is JSON body
(``application/json``) or form data (urlencoded, flat), its *format* one of:

* Raw message: ``{"id", "rcpt_to", "mail_from", "message", "base64": true, "size"}`` --
  ``message`` is the full RFC 5322 message, base64 when ``base64`` is true -> MIME parser.
* Hash (processed): ``id``, ``rcpt_to``, ``mail_from``, ``token``, ``subject``, ``message_id``,
  ``timestamp``, ``size``, ``spam_status``, ``bounce``, ``to``, ``cc``, ``from``, ``date``,
  ``in_reply_to``, ``references``, ``plain_body``, ``html_body``, ``attachment_quantity``,
  ``auto_submitted``, ``reply_to``; with "strip replies" on, ``plain_body`` holds only the reply
  and ``replies_from_plain_body`` the rest -- they are rejoined so our own ``split_reply`` sees
  the whole text (Postal's split is kept as the hint). Bounce (DSN) messages are skipped.

Authentication: Postal signs the exact request body with its server signing key (RSA):
``X-Postal-Signature-256`` = base64 RSA-SHA256 (current Postal) and ``X-Postal-Signature`` =
base64 RSA-SHA1 (all versions). SHA-256 is checked whenever present -- an invalid SHA-256
signature is refused without falling back to SHA-1 (no downgrade). The key is
``TRIAGE_POSTAL_PUBLIC_KEY`` (PEM, base64 DER, or the DKIM record ``postal
default-dkim-record`` prints).

Status codes: Postal retries 5xx and connection failures; other non-2xx are a hard failure
(the sender gets a bounce). A bad signature is 403: a forged post is not from Postal, so nobody
is bounced for it. Malformed 400/422, oversized 413.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from service.config import Settings
from service.inbound.auth import load_public_key
from service.inbound.build import message_from_fields, message_from_mime
from service.inbound.errors import (
    AuthError,
    InboundConfigError,
    MalformedPayload,
    ProviderDisabled,
)
from service.inbound.forms import (
    decode_base64,
    form_data,
    json_body,
    parse_count,
    require_media_type,
)
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult
from service.mail.builder import MessageFields
from service.mail.message import NormalizedMessage

SIGNATURE_256_HEADER = "X-Postal-Signature-256"
SIGNATURE_SHA1_HEADER = "X-Postal-Signature"


class PostalAdapter:
    """Postal HTTP endpoint (raw message or hash) -> zero or one message."""

    name = "postal"

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        if not settings.postal_public_key:
            raise ProviderDisabled("postal inbound is not configured (no public key)")
        check_request_size(request, settings, envelope=True)
        verify_postal_signature(request, settings.postal_public_key)
        payload = _payload(request)
        if _truthy(payload.get("bounce")):
            return InboundResult(skipped=[f"postal message {payload.get('id')} is a bounce"])
        return InboundResult(messages=[self._message(payload, settings)])

    def _message(self, payload: dict[str, Any], settings: Settings) -> NormalizedMessage:
        if "message" in payload:
            return message_from_mime(_raw_message(payload), provider=self.name, settings=settings)
        if "plain_body" not in payload and "html_body" not in payload:
            raise MalformedPayload("neither 'message' nor 'plain_body' present", status=422)
        reply, rest = _text(payload, "plain_body"), _text(payload, "replies_from_plain_body")
        fields = MessageFields(
            from_=_text(payload, "from") or _text(payload, "mail_from"),
            to=[_text(payload, "to") or _text(payload, "rcpt_to")],
            subject=_text(payload, "subject") if "subject" in payload else None,
            text=f"{reply}\n\n{rest}" if rest else reply,
            html=_text(payload, "html_body"),
            date=_text(payload, "date") or None,
            message_id=_text(payload, "message_id") or None,
            in_reply_to=_text(payload, "in_reply_to") or None,
            references=_text(payload, "references") or None,
            stripped_text_hint=reply if rest else "",
            attachments=parse_count(payload.get("attachment_quantity", 0)),
        )
        return message_from_fields(fields, provider=self.name, settings=settings)


def verify_postal_signature(request: InboundRequest, key_text: str) -> None:
    """RSA PKCS#1 v1.5 over the raw body: SHA-256 header if present, else the SHA-1 one."""
    signature_256 = request.headers.get(SIGNATURE_256_HEADER, "").strip()
    signature_sha1 = request.headers.get(SIGNATURE_SHA1_HEADER, "").strip()
    algorithm: hashes.HashAlgorithm
    if signature_256:
        given, algorithm = signature_256, hashes.SHA256()
    elif signature_sha1:
        given, algorithm = signature_sha1, hashes.SHA1()
    else:
        raise AuthError("missing X-Postal-Signature(-256) header", status=403)
    key = load_public_key(key_text)
    if not isinstance(key, rsa.RSAPublicKey):
        raise InboundConfigError("TRIAGE_POSTAL_PUBLIC_KEY is not an RSA key")
    try:
        signature = base64.b64decode(given, validate=True)
        key.verify(signature, request.body, padding.PKCS1v15(), algorithm)
    except (binascii.Error, InvalidSignature) as exc:
        raise AuthError("signature does not match", status=403) from exc


def _payload(request: InboundRequest) -> dict[str, Any]:
    media_type = require_media_type(
        request, "application/json", "application/x-www-form-urlencoded", "multipart/form-data"
    )
    if media_type == "application/json":
        document = json_body(request)
        if not isinstance(document, dict):
            raise MalformedPayload("Postal payload must be a JSON object", status=422)
        return document
    form = form_data(request)
    return {name: form.text(name) for name, _ in form.fields}


def _raw_message(payload: dict[str, Any]) -> bytes:
    message = payload.get("message")
    if not isinstance(message, str):
        raise MalformedPayload("'message' must be a string", status=422)
    if _truthy(payload.get("base64")):
        return decode_base64(message, "'message'")
    return message.encode()


def _text(payload: dict[str, Any], key: str) -> str:
    value = payload.get(key)
    return value if isinstance(value, str) else ""


def _truthy(value: object) -> bool:
    """JSON ``true`` or the form-encoded ``"true"``."""
    return value is True or (isinstance(value, str) and value.lower() == "true")
