"""Mandrill (Mailchimp Transactional) inbound webhook.

Payload (Mandrill "Inbound webhook format" / "Authenticating webhook requests";
cross-checked against django-anymail's Mandrill inbound handler): an
``application/x-www-form-urlencoded`` POST with one field, ``mandrill_events``: a JSON array of
events. Inbound mail is ``{"event": "inbound", "ts": ..., "msg": {...}}`` where ``msg`` has
``raw_msg`` (the full RFC 5322 message -> MIME parser), plus ``from_email``, ``from_name``,
``to`` (``[[email, name], ...]``), ``subject``, ``text``, ``html``, ``headers`` (object),
``attachments`` (files, keyed by name; inline images come apart in ``images``) used
only when ``raw_msg`` is absent. Other event types in the same batch are reported in
``skipped``. When a webhook is added, Mandrill checks the URL with a request carrying an empty
array: that yields no messages and no error.

Authentication: ``X-Mandrill-Signature`` = base64 HMAC-SHA1 keyed with the webhook's key over
the webhook URL *exactly as configured in Mandrill* followed by every POST field name and value,
sorted by name. ``TRIAGE_MANDRILL_WEBHOOK_URL`` supplies that URL (behind a proxy the URL the
app sees differs); without it ``request.url`` is used.

Status codes: Mandrill treats any non-2xx as a failed delivery and retries the batch with
back-off. A bad signature is 403 -- a forged post is not from Mandrill, and 403 tells an
operator looking at Mandrill's webhook log that the key/URL pair is wrong. Malformed 400/422.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from service.config import Settings
from service.inbound.auth import constant_time_equal, secret_value
from service.inbound.build import format_mailbox, message_from_fields, message_from_mime
from service.inbound.errors import AuthError, MalformedPayload, ProviderDisabled
from service.inbound.forms import FormData, form_data, load_json_field
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult
from service.mail.builder import MessageFields
from service.mail.message import NormalizedMessage

SIGNATURE_HEADER = "X-Mandrill-Signature"


class MandrillAdapter:
    """Mandrill ``mandrill_events`` batch -> one message per inbound event."""

    name = "mandrill"

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        key = secret_value(settings.mandrill_webhook_key)
        if key is None:
            raise ProviderDisabled("mandrill inbound is not configured (no webhook key)")
        check_request_size(request, settings, envelope=True)
        form = form_data(request)
        url = settings.mandrill_webhook_url or request.url
        verify_mandrill_signature(form, url, key, request.headers.get(SIGNATURE_HEADER, ""))
        if "mandrill_events" not in form:
            raise MalformedPayload("mandrill_events field missing", status=422)
        events = load_json_field(form.text("mandrill_events"), "mandrill_events")
        if not isinstance(events, list):
            raise MalformedPayload("mandrill_events must be a JSON array", status=422)
        result = InboundResult()
        for index, event in enumerate(events):
            self._event(index, event, settings, result)
        return result

    def _event(self, index: int, event: object, settings: Settings, result: InboundResult) -> None:
        if not isinstance(event, dict):
            raise MalformedPayload(f"event {index} is not an object", status=422)
        if event.get("event") != "inbound":
            result.skipped.append(f"event {index}: {event.get('event')!r} is not inbound")
            return
        msg = event.get("msg")
        if not isinstance(msg, dict):
            raise MalformedPayload(f"event {index} has no msg object", status=422)
        result.messages.append(self._message(msg, settings))

    def _message(self, msg: dict[str, Any], settings: Settings) -> NormalizedMessage:
        raw = msg.get("raw_msg")
        if isinstance(raw, str) and raw.strip():
            return message_from_mime(raw.encode(), provider=self.name, settings=settings)
        given = msg.get("headers")
        headers: dict[str, object] = given if isinstance(given, dict) else {}
        fields = MessageFields(
            from_=format_mailbox(msg.get("from_name"), msg.get("from_email")),
            to=[
                format_mailbox(pair[1] if len(pair) > 1 else "", pair[0])
                for pair in msg.get("to") or []
                if isinstance(pair, list) and pair
            ],
            subject=msg.get("subject") if isinstance(msg.get("subject"), str) else None,
            text=_text(msg.get("text")),
            html=_text(msg.get("html")),
            headers=[(k, v) for k, v in headers.items() if isinstance(v, str)],
            # ``attachments`` holds the files; inline images come separately, in ``images``
            attachments=len(msg["attachments"]) if isinstance(msg.get("attachments"), dict) else 0,
        )
        return message_from_fields(fields, provider=self.name, settings=settings)


def mandrill_signature(url: str, params: list[tuple[str, str]], key: str) -> str:
    """base64(HMAC-SHA1(key, url + name1 + value1 + ...)) with params sorted by name."""
    signed = url + "".join(name + value for name, value in sorted(params, key=lambda p: p[0]))
    digest = hmac.new(key.encode(), signed.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def verify_mandrill_signature(form: FormData, url: str, key: str, given: str) -> None:
    if not given.strip():
        raise AuthError(f"missing {SIGNATURE_HEADER}", status=403)
    expected = mandrill_signature(url, form.strict_items(), key)
    if not constant_time_equal(given.strip(), expected):
        raise AuthError("signature does not match", status=403)


def _text(value: object) -> str:
    """A body field as text; Mandrill sends ``null`` for a missing part."""
    return value if isinstance(value, str) else ""
