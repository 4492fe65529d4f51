"""Twilio SendGrid Inbound Parse webhook.

Payload (SendGrid "Inbound Email Parse Webhook", twilio.com/docs/sendgrid/for-developers/
parsing-email/inbound-email): always ``multipart/form-data``.

* Raw mode ("POST the raw, full MIME message"): field ``email`` holds the whole message -> MIME
  parser. Preferred: same decoding and cleaning as every other provider.
* Parsed mode: ``headers`` (the raw header block: source of Message-ID, In-Reply-To, References,
  Date), ``text``, ``html``, ``from``, ``to``, ``cc``, ``subject``, ``attachments`` (count of
  files *and* inline images), ``attachment-info`` (JSON: each part's ``type`` and
  ``content-id``, which marks the inline images) or ``content-ids``, ``attachmentN`` files,
  ``envelope`` (JSON ``{"to": [...], "from": "..."}``), ``charsets`` (JSON field -> charset:
  each field's bytes are decoded with the charset SendGrid declares for it), ``dkim``, ``SPF``,
  ``spam_score``...

Authentication -- every mechanism that is configured must pass; none configured = disabled:

* Security policy signature (SendGrid "Securing your Inbound Parse Webhooks"):
  ``X-Twilio-Email-Event-Webhook-Signature`` = base64 DER ECDSA (P-256, SHA-256) signature over
  ``X-Twilio-Email-Event-Webhook-Timestamp`` + the raw request body, verified with the policy's
  public key (``TRIAGE_SENDGRID_PUBLIC_KEY``). Needs the exact body bytes. Optional freshness
  window ``TRIAGE_SENDGRID_MAX_AGE_SECONDS``.
* Security policy OAuth: ``Authorization: Bearer <token>`` compared with
  ``TRIAGE_SENDGRID_OAUTH_TOKEN`` (or a ``token_validator`` callable given to the adapter, for
  introspection against the operator's token server), or basic auth embedded in the Parse URL
  (``TRIAGE_SENDGRID_BASIC_USER``/``_PASSWORD``). Either credential satisfies the header check.

Status codes: SendGrid retries only 5xx (for up to 3 days) and drops the post on any 4xx. So
credential failures are 401 (with ``WWW-Authenticate``) and signature failures 403 -- both final,
which is right for forged posts; a mis-configured key shows up in our logs, not as a retry storm.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import time
from collections.abc import Callable
from email.parser import Parser

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from service.config import Settings
from service.inbound.auth import basic_matches, bearer_matches, load_public_key, secret_value
from service.inbound.build import message_from_fields, message_from_mime
from service.inbound.errors import (
    AuthError,
    InboundConfigError,
    MalformedPayload,
    ProviderDisabled,
    ReplayedRequest,
)
from service.inbound.forms import FormData, form_data, load_json_field, parse_count
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult
from service.mail.builder import MessageFields, is_inline_image
from service.mail.message import NormalizedMessage

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class SendGridAdapter:
    """SendGrid Inbound Parse (raw or parsed mode) -> one message."""

    name = "sendgrid"

    def __init__(
        self,
        token_validator: Callable[[str], bool] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._token_validator = token_validator
        self._clock = clock

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        self._authenticate(request, settings)
        check_request_size(request, settings, envelope=True)
        form = form_data(request)
        return InboundResult(messages=[self._message(form, settings)])

    # -- authentication

    def _authenticate(self, request: InboundRequest, settings: Settings) -> None:
        public_key = settings.sendgrid_public_key
        header_auth = self._header_auth_configured(settings)
        if not public_key and not header_auth:
            raise ProviderDisabled("sendgrid inbound is not configured (no key or credentials)")
        if header_auth and not self._header_auth_ok(request, settings):
            raise AuthError(
                "missing or invalid Authorization credentials",
                headers={"WWW-Authenticate": 'Bearer realm="inbound", Basic realm="inbound"'},
            )
        if public_key:
            self._verify_signature(request, public_key, settings.sendgrid_max_age_seconds)

    def _header_auth_configured(self, settings: Settings) -> bool:
        basic = settings.sendgrid_basic_user and secret_value(settings.sendgrid_basic_password)
        bearer = secret_value(settings.sendgrid_oauth_token) or self._token_validator
        return bool(basic or bearer)

    def _header_auth_ok(self, request: InboundRequest, settings: Settings) -> bool:
        token = secret_value(settings.sendgrid_oauth_token)
        if token and bearer_matches(request, token):
            return True
        if self._token_validator is not None:
            header = request.headers.get("authorization", "")
            scheme, _, credentials = header.strip().partition(" ")
            if scheme.lower() == "bearer" and credentials and self._token_validator(credentials):
                return True
        user, password = (
            settings.sendgrid_basic_user,
            secret_value(settings.sendgrid_basic_password),
        )
        return bool(user and password and basic_matches(request, user, password))

    def _verify_signature(
        self, request: InboundRequest, key_text: str, max_age: int | None
    ) -> None:
        signature_b64 = request.headers.get(SIGNATURE_HEADER, "").strip()
        timestamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        if not signature_b64 or not timestamp:
            raise AuthError("missing SendGrid signature or timestamp header", status=403)
        if not request.body:
            raise AuthError("signature cannot be checked without the raw body", status=403)
        key = load_public_key(key_text)
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise InboundConfigError("TRIAGE_SENDGRID_PUBLIC_KEY is not an ECDSA key")
        try:
            signature = base64.b64decode(signature_b64, validate=True)
            key.verify(signature, timestamp.encode() + request.body, ec.ECDSA(hashes.SHA256()))
        except (binascii.Error, InvalidSignature) as exc:
            raise AuthError("signature does not match", status=403) from exc
        if max_age is not None:
            self._check_age(timestamp, max_age)

    def _check_age(self, timestamp: str, max_age: int) -> None:
        try:
            age = abs(self._clock() - float(timestamp))
        except ValueError as exc:
            raise AuthError("timestamp is not a number", status=403) from exc
        if age > max_age:
            raise ReplayedRequest(f"timestamp is {int(age)} s away from now", status=403)

    # -- message

    def _message(self, form: FormData, settings: Settings) -> NormalizedMessage:
        raw = form.raw("email")
        if raw is None:
            raw = next((f.data for f in form.files if f.field_name == "email"), None)
        if raw is not None:
            return message_from_mime(raw, provider=self.name, settings=settings)
        if "from" not in form and "headers" not in form:
            raise MalformedPayload("neither 'email' (raw) nor 'from'/'headers' present", status=422)
        charsets = _charsets(form)

        def text(name: str) -> str:
            return form.text(name, charset=charsets.get(name, "utf-8"))

        envelope_to = _envelope_to(text("envelope")) if "envelope" in form else []
        fields = MessageFields(
            from_=text("from"),
            to=[text("to")] if "to" in form else envelope_to,
            subject=text("subject") if "subject" in form else None,
            text=text("text"),
            html=text("html"),
            headers=_header_pairs(text("headers")),
            attachments=_attachment_count(form, text),
            charset=charsets.get("text"),
        )
        return message_from_fields(fields, provider=self.name, settings=settings)


def _attachment_count(form: FormData, text: Callable[[str], str]) -> int:
    """``attachments`` without the inline images: ``attachment-info`` gives each part's type
    and Content-ID (``{"attachment1": {"type": "image/png", "content-id": "ii_1"}}``); without
    it, ``content-ids`` (``{"ii_1": "attachment1"}``) names the inline ones."""
    count = parse_count(text("attachments"))
    if "attachment-info" in form:
        info = load_json_field(text("attachment-info"), "attachment-info")
        if not isinstance(info, dict):
            raise MalformedPayload("attachment-info must be a JSON object", status=422)
        parts = [part for part in info.values() if isinstance(part, dict)]
        inline = sum(
            is_inline_image(str(part.get("type", "")), part.get("content-id"), None)
            for part in parts
        )
        return max((count or len(parts)) - inline, 0)
    if "content-ids" in form:
        content_ids = load_json_field(text("content-ids"), "content-ids")
        return max(count - (len(content_ids) if isinstance(content_ids, dict) else 0), 0)
    return count


def _charsets(form: FormData) -> dict[str, str]:
    if "charsets" not in form:
        return {}
    document = load_json_field(form.text("charsets"), "charsets")
    if not isinstance(document, dict):
        raise MalformedPayload("charsets must be a JSON object", status=422)
    return {str(k): str(v) for k, v in document.items()}


def _envelope_to(value: str) -> list[str]:
    document = load_json_field(value, "envelope")
    to = document.get("to", []) if isinstance(document, dict) else []
    return [str(x) for x in to] if isinstance(to, list) else []


def _header_pairs(block: str) -> list[tuple[str, str]]:
    """The ``headers`` field is a raw RFC 5322 header block; decode encoded-words too."""
    if not block.strip():
        return []
    parsed = Parser(policy=email.policy.default).parsestr(block, headersonly=True)
    return [(name, str(value)) for name, value in parsed.items()]
