"""Mailgun routes: the ``forward()`` action POSTs the received message to us.

Fields (Mailgun "Receiving messages via HTTP through a forward() action",
documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http):
``application/x-www-form-urlencoded``, or ``multipart/form-data`` when there are attachments.

* Parsed variant: ``sender`` (SMTP MAIL FROM), ``from`` (From header), ``recipient`` (RCPT TO),
  ``subject``, ``body-plain`` (always present), ``body-html``, ``stripped-text`` (Mailgun's own
  reply stripping -- used only as a hint), ``attachment-count`` (files *and* inline images),
  ``content-id-map`` (JSON ``{"<cid>": "attachment-N"}``: which of them are inline images),
  ``attachment-N`` files, ``message-headers`` (JSON list of ``[name, value]`` pairs in original
  order: the only source of Message-ID, In-Reply-To, References and Date, and the ``From``
  header when the ``from`` field is missing -- ``sender`` is the envelope's bounce address).
* Raw variant (route URL ending in ``mime``): ``body-mime`` with the full message -> MIME parser.
* Not messages: a ``store(notify=...)`` notification (``message-url``, an ``attachments`` JSON
  list) or a tracking event (``event``) posted here by a misconfigured route or webhook: 406.

Authentication (Mailgun "Securing webhooks"): ``signature`` = hex HMAC-SHA256 keyed with the
HTTP webhook signing key over ``timestamp`` + ``token``; ``parent-signature`` (subaccounts,
signed with the primary account's key) is accepted as an alternative. Then the timestamp must be
within ``TRIAGE_MAILGUN_MAX_AGE_SECONDS`` of now, and the token must not have been seen before:
the adapter hands it back as a :class:`~service.inbound.base.OneTimeToken` (``mailgun:<token>``,
only *after* the signature verified, so forged posts cannot fill or poison the record) and the
route records it in the transaction that stores the mail, so a failed store never burns it.

Status codes: Mailgun retries every non-2xx for 8 hours *except 406*. A bad/missing signature,
stale timestamp or replayed token is therefore answered with 406: a forged or replayed post
must not be re-sent to us for hours. Malformed bodies 400/422, oversized 413 (retried, harmless).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable

from service.config import Settings
from service.inbound.auth import secret_value
from service.inbound.build import message_from_fields, message_from_mime
from service.inbound.errors import AuthError, MalformedPayload, ProviderDisabled, ReplayedRequest
from service.inbound.forms import FormData, form_data, load_json_field, parse_count
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult, OneTimeToken
from service.mail.builder import MessageFields, is_inline_image
from service.mail.message import NormalizedMessage

REJECT_STATUS = 406
"""Mailgun's documented "rejected, do not retry" code."""


class MailgunAdapter:
    """Mailgun route forward -> one message."""

    name = "mailgun"

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        key = secret_value(settings.mailgun_signing_key)
        if key is None:
            raise ProviderDisabled("mailgun inbound is not configured (no signing key)")
        check_request_size(request, settings, envelope=True)
        form = form_data(request)
        token = self._verify(form, key, settings.mailgun_max_age_seconds)
        message = self._message(form, settings)
        return InboundResult(messages=[message], one_time_token=token)

    def _verify(self, form: FormData, key: str, max_age: int) -> OneTimeToken:
        """Signature, then freshness; returns the one-time token for the route to record."""
        timestamp, token = form.text("timestamp"), form.text("token")
        signatures = [form.text("signature"), form.text("parent-signature")]
        if not timestamp or not token or not signatures[0]:
            raise AuthError("missing signature, timestamp or token", status=REJECT_STATUS)
        expected = hmac.new(key.encode(), (timestamp + token).encode(), hashlib.sha256)
        digest = expected.hexdigest()
        if not any(
            sig and hmac.compare_digest(sig.lower().encode(), digest.encode()) for sig in signatures
        ):
            raise AuthError("signature does not match", status=REJECT_STATUS)
        try:
            age = abs(self._clock() - float(timestamp))
        except ValueError as exc:
            raise AuthError("timestamp is not a number", status=REJECT_STATUS) from exc
        if age > max_age:
            raise ReplayedRequest(
                f"timestamp is {int(age)} s away from now (max {max_age} s)", status=REJECT_STATUS
            )
        # Tokens older than max_age are refused by the timestamp check, so 2x covers skew.
        return OneTimeToken(f"{self.name}:{token}", 2 * max_age, REJECT_STATUS)

    def _message(self, form: FormData, settings: Settings) -> NormalizedMessage:
        _refuse_other_posts(form)
        raw = form.raw("body-mime")
        if raw is not None:
            return message_from_mime(raw, provider=self.name, settings=settings)
        if "body-plain" not in form and "body-html" not in form:
            raise MalformedPayload("neither body-plain nor body-mime present", status=422)
        headers = _headers(form.text("message-headers", "[]"))
        has_from_header = any(name.lower() == "from" for name, _ in headers)
        fields = MessageFields(
            # The From header (with its display name), not the envelope sender: ``sender``
            # is only the bounce address, used when the headers have no From at all.
            from_=form.text("from") or ("" if has_from_header else form.text("sender")),
            to=[] if any(k.lower() == "to" for k, _ in headers) else [form.text("recipient")],
            subject=form.text("subject") if "subject" in form else None,
            text=form.text("body-plain"),
            html=form.text("body-html"),
            headers=headers,
            stripped_text_hint=form.text("stripped-text"),
            attachments=_attachment_count(form),
        )
        return message_from_fields(fields, provider=self.name, settings=settings)


def _refuse_other_posts(form: FormData) -> None:
    """A signed post that is not a forwarded message: the route or webhook points at the
    wrong URL. Refused with 406 (Mailgun would resend the same post for 8 hours otherwise);
    nothing is lost: a stored message stays in Mailgun's storage for its retention time."""
    event = form.text("event")
    if event and event != "inbound":
        raise MalformedPayload(
            f"this is a Mailgun {event!r} tracking event, not a received message: "
            "only a route's forward() action may post to this URL",
            status=REJECT_STATUS,
        )
    if "message-url" in form or "attachments" in form:
        raise MalformedPayload(
            "this is a Mailgun store() notification, not a forwarded message: the route must "
            "use forward() to this URL (the stored message stays at its message-url)",
            status=REJECT_STATUS,
        )


def _attachment_count(form: FormData) -> int:
    """``attachment-count`` without the inline images, which ``content-id-map`` names
    (``{"<cid>": "attachment-1"}``): they are pictures in the HTML, not files."""
    count = parse_count(form.text("attachment-count", "0"))
    if "content-id-map" not in form:
        return count
    mapping = load_json_field(form.text("content-id-map"), "content-id-map")
    if not isinstance(mapping, dict):
        raise MalformedPayload("content-id-map must be a JSON object", status=422)
    uploads = {upload.field_name: upload for upload in form.files}
    inline = 0
    for content_id, field_name in mapping.items():
        upload = uploads.get(str(field_name))
        if upload is None or is_inline_image(upload.content_type, content_id, None):
            inline += 1
    return max(count - inline, 0)


def _headers(value: str) -> list[tuple[str, str]]:
    """``message-headers``: a JSON list of ``[name, value]`` pairs."""
    document = load_json_field(value, "message-headers")
    if not isinstance(document, list) or not all(
        isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)
        for pair in document
    ):
        raise MalformedPayload("message-headers must be a list of [name, value] pairs", status=422)
    return [(name, value) for name, value in document]
