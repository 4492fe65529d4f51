"""What every inbound adapter shares: the request/result shapes and the checks they all need.

A route turns the HTTP request into an :class:`InboundRequest` (raw body bytes are required for
providers that sign the body), picks an adapter from :data:`service.inbound.ADAPTERS` and calls
``adapter.parse(request, settings)``. It gets an :class:`InboundResult` back, or an
:class:`~service.inbound.errors.InboundError` whose ``status``/``reason``/``headers`` it returns
as is. Adapters are pure: no I/O besides reading a configured certificate file, no network.

Shared helpers live here so that adapters differ only in what their provider documents:
constant-time bearer/basic checks, size limits, form/JSON decoding, public-key loading, and the
two ways of producing a :class:`NormalizedMessage` -- from raw MIME through
``service.mail.parse.parse_mime`` (preferred: every provider then goes through the same
decoding and cleaning) or from a provider's parsed fields with ``service.mail.clean.split_reply``.
"""

from __future__ import annotations

import base64
import binascii
import email.policy
import hmac
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable
from urllib.parse import parse_qsl

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key
from pydantic import SecretStr

from service.config import Settings
from service.inbound.errors import (
    AuthError,
    InboundConfigError,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    UnsupportedMediaType,
)
from service.mail.address import normalize_address
from service.mail.clean import find_attribution, split_reply
from service.mail.html import html_to_text
from service.mail.message import Direction, NormalizedMessage
from service.mail.parse import (
    MailParseError,
    decode_header_text,
    normalize_message_ids,
    parse_mime,
)
from service.mail.timing import parse_attribution_date

ENVELOPE_SLACK_BYTES = 1024 * 1024
"""Room for a provider's JSON/form envelope around a maximum-size message."""


# --------------------------------------------------------------------------- request / result


class Headers(Mapping[str, str]):
    """Case-insensitive, read-only HTTP headers (RFC 9110 field names are case-insensitive).

    A repeated header keeps its first value, which is all the adapters need (auth and signature
    headers are single-valued).
    """

    def __init__(self, items: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._data: dict[str, tuple[str, str]] = {}
        for key, value in pairs:
            self._data.setdefault(key.lower(), (key, value))

    def __getitem__(self, key: str) -> str:
        return self._data[key.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._data.values())

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._data

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True)
class UploadedFile:
    """One file part of a multipart form (attachments, SendGrid's ``email`` in some setups)."""

    field_name: str
    filename: str
    content_type: str
    data: bytes


@dataclass
class InboundRequest:
    """A webhook request as the adapters see it; built by the route, or by tests directly.

    ``body`` must be the exact bytes received: SendGrid and Postal sign them. ``form``/``files``
    and ``json`` are optional conveniences for a route that has already parsed the body; when
    they are absent the adapters parse ``body`` themselves (see :func:`form_data` and
    :func:`json_body`).
    """

    method: str = "POST"
    url: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    form: Mapping[str, str | Sequence[str]] | None = None
    files: Sequence[UploadedFile] | None = None
    json: Any = None

    def __post_init__(self) -> None:
        if not isinstance(self.headers, Headers):
            self.headers = Headers(self.headers)

    @property
    def content_type(self) -> str:
        """The full ``Content-Type`` header (with parameters), or ``""``."""
        return self.headers.get("content-type", "")

    @property
    def media_type(self) -> str:
        """``Content-Type`` without parameters, lower-cased (``multipart/form-data``)."""
        return self.content_type.split(";", 1)[0].strip().lower()


@dataclass
class InboundResult:
    """What an adapter hands back to the route.

    ``response`` is a JSON-able body the route should return (SNS subscription handshakes);
    ``one_time_token`` is a token the provider sends once per delivery (Mailgun): the route
    records it in the transaction that stores the messages and refuses the request if it was
    already recorded. ``skipped`` lists events deliberately ignored (e.g. a Mandrill batch that
    also carries non-inbound events).
    """

    messages: list[NormalizedMessage] = field(default_factory=list)
    response: dict[str, Any] | None = None
    one_time_token: OneTimeToken | None = None
    skipped: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class OneTimeToken:
    """A verified one-time token: its namespaced key, how long to remember it, and the status
    that refuses a replay (the provider's "do not retry" code).

    Checking it is not the adapter's job: a token recorded before the mail is stored is burnt
    when storing fails, and the provider's retry would then be refused and the mail lost.
    """

    key: str
    ttl_seconds: float
    reject_status: int


@runtime_checkable
class Adapter(Protocol):
    """One provider's webhook: authenticate the request, then extract its message(s)."""

    name: str

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        """Raise :class:`~service.inbound.errors.InboundError` or return the messages."""
        ...


# --------------------------------------------------------------------------- authentication


def secret_value(value: SecretStr | str | None) -> str | None:
    """Unwrap a settings secret; empty strings count as "not configured"."""
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return value or None


def constant_time_equal(given: str | bytes, expected: str | bytes) -> bool:
    """``hmac.compare_digest`` on UTF-8 bytes (it refuses non-ASCII ``str``)."""
    given_b = given.encode() if isinstance(given, str) else given
    expected_b = expected.encode() if isinstance(expected, str) else expected
    return hmac.compare_digest(given_b, expected_b)


class HasHeaders(Protocol):
    """Anything with request headers: an :class:`InboundRequest` or a Starlette request."""

    @property
    def headers(self) -> Mapping[str, str]: ...


def _authorization(request: HasHeaders, scheme: str) -> str | None:
    """The credentials after ``scheme`` in the Authorization header (scheme case-insensitive)."""
    header = request.headers.get("authorization", "").strip()
    name, _, credentials = header.partition(" ")
    if name.lower() != scheme.lower() or not credentials.strip():
        return None
    return credentials.strip()


def bearer_matches(request: HasHeaders, token: str) -> bool:
    """True if ``Authorization: Bearer <token>`` carries exactly ``token``."""
    given = _authorization(request, "Bearer")
    return given is not None and constant_time_equal(given, token)


def basic_matches(request: InboundRequest, user: str, password: str) -> bool:
    """True if ``Authorization: Basic`` carries ``user:password`` (both compared, always)."""
    credentials = _authorization(request, "Basic")
    if credentials is None:
        return False
    try:
        decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return False
    given_user, sep, given_password = decoded.partition(":")
    user_ok = constant_time_equal(given_user, user)
    password_ok = constant_time_equal(given_password, password)
    return bool(sep) and user_ok and password_ok


def require_bearer(
    request: InboundRequest, token: SecretStr | str | None, *, provider: str, status: int = 401
) -> None:
    """Bearer-token gate for our own endpoints (raw MIME, JSON form)."""
    expected = secret_value(token)
    if expected is None:
        raise ProviderDisabled(f"{provider} inbound is not configured (no token set)")
    if not bearer_matches(request, expected):
        raise AuthError(
            "missing or invalid bearer token",
            status=status,
            headers={"WWW-Authenticate": 'Bearer realm="inbound"'},
        )


def require_basic(
    request: InboundRequest,
    user: str | None,
    password: SecretStr | str | None,
    *,
    provider: str,
    status: int = 401,
) -> None:
    """HTTP basic-auth gate (credentials embedded in the webhook URL by the operator)."""
    expected_password = secret_value(password)
    if not user or expected_password is None:
        raise ProviderDisabled(f"{provider} inbound is not configured (no basic-auth credentials)")
    if not basic_matches(request, user, expected_password):
        raise AuthError(
            "missing or invalid basic-auth credentials",
            status=status,
            headers={"WWW-Authenticate": 'Basic realm="inbound"'},
        )


@lru_cache(maxsize=32)
def load_public_key(text: str) -> PublicKeyTypes:
    """Load a configured public key given as PEM (key or certificate), bare base64 DER, or a
    DKIM TXT record (``v=DKIM1; k=rsa; p=...``, the form Postal prints for its signing key).

    A key that cannot be loaded is our configuration error: :class:`InboundConfigError` (503),
    so the provider keeps retrying until the operator fixes it.
    """
    stripped = text.strip()
    try:
        if "-----BEGIN CERTIFICATE-----" in stripped:
            return x509.load_pem_x509_certificate(stripped.encode()).public_key()
        if "-----BEGIN" in stripped:
            return load_pem_public_key(stripped.encode())
        match = re.search(r"(?:^|;)\s*p=([A-Za-z0-9+/=\s]+)", stripped)
        b64 = match.group(1) if match else stripped
        return load_der_public_key(base64.b64decode("".join(b64.split()), validate=True))
    except (ValueError, TypeError, binascii.Error) as exc:
        raise InboundConfigError("configured public key cannot be loaded") from exc


def decode_base64(value: str | bytes, what: str) -> bytes:
    """Strict base64 (line breaks allowed, as Ruby's ``Base64.encode64`` inserts them)."""
    try:
        compact = b"".join((value.encode("ascii") if isinstance(value, str) else value).split())
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedPayload(f"{what} is not valid base64", status=422) from exc


# --------------------------------------------------------------------------- size limits


def check_request_size(request: InboundRequest, settings: Settings, *, envelope: bool) -> None:
    """Reject an oversized body before decoding anything.

    ``envelope=False``: the body *is* the message (raw MIME), so the limit is
    ``max_message_bytes``. ``envelope=True``: the message travels base64-encoded inside JSON or a
    form, so a maximum-size message needs 4/3 of the limit plus room for the other fields.
    ``Content-Length`` is checked too, so a route streaming the body can call this first.
    """
    limit = settings.max_message_bytes
    if envelope:
        limit = limit * 4 // 3 + ENVELOPE_SLACK_BYTES
    declared = request.headers.get("content-length", "").strip()
    size = max(len(request.body), int(declared) if declared.isdigit() else 0)
    if request.form is not None or request.files is not None:
        size = max(size, _parsed_size(request))
    if size > limit:
        raise PayloadTooLarge(f"request body is {size} bytes; the limit is {limit}")


def check_message_size(size: int, settings: Settings) -> None:
    """Reject a decoded message above ``max_message_bytes``."""
    if size > settings.max_message_bytes:
        raise PayloadTooLarge(f"message is {size} bytes; the limit is {settings.max_message_bytes}")


def _parsed_size(request: InboundRequest) -> int:
    fields = sum(
        len(v.encode()) if isinstance(v, str) else sum(len(x.encode()) for x in v)
        for v in (request.form or {}).values()
    )
    return fields + sum(len(f.data) for f in request.files or ())


# --------------------------------------------------------------------------- body decoding


def require_media_type(request: InboundRequest, *allowed: str) -> str:
    """Return the request's media type, or raise 415 naming what this endpoint accepts."""
    media_type = request.media_type
    if media_type not in allowed:
        shown = media_type or "none"
        raise UnsupportedMediaType(
            f"Content-Type {shown} not accepted; expected {' or '.join(allowed)}"
        )
    return media_type


def json_body(request: InboundRequest) -> Any:
    """The parsed JSON body (``request.json`` when the route already parsed it)."""
    if request.json is not None:
        return request.json
    try:
        return json.loads(request.body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedPayload(f"body is not valid JSON: {exc}") from exc


def load_json_field(value: str, what: str) -> Any:
    """Decode a JSON document embedded in a form field (Mailgun ``message-headers`` etc.)."""
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise MalformedPayload(f"{what} is not valid JSON: {exc}", status=422) from exc


class FormData:
    """Form fields kept as bytes until read, so each can be decoded in its own charset.

    SendGrid declares per-field charsets (``charsets``); the other providers send UTF-8.
    Repeated fields keep every value (in ``fields``); ``text`` returns the first. A form the
    route already decoded to ``str`` is re-encoded as UTF-8 and ``predecoded`` makes ``text``
    ignore declared charsets (decoding twice would garble it).
    """

    def __init__(
        self,
        fields: list[tuple[str, bytes]],
        files: list[UploadedFile],
        *,
        predecoded: bool = False,
    ) -> None:
        self.fields = fields
        self.files = files
        self.predecoded = predecoded

    def __contains__(self, name: str) -> bool:
        return any(key == name for key, _ in self.fields)

    def raw(self, name: str) -> bytes | None:
        """The first value of ``name`` as received, or None."""
        return next((value for key, value in self.fields if key == name), None)

    def text(self, name: str, default: str = "", *, charset: str = "utf-8") -> str:
        """The first value decoded; undecodable bytes become U+FFFD rather than failing a mail."""
        value = self.raw(name)
        if value is None:
            return default
        if self.predecoded:
            charset = "utf-8"
        try:
            return value.decode(charset, errors="replace")
        except LookupError:  # unknown charset name declared by the sender
            return value.decode("utf-8", errors="replace")

    def strict_items(self) -> list[tuple[str, str]]:
        """Every field as strict UTF-8 text, for signatures computed over decoded values."""
        try:
            return [(key, value.decode("utf-8")) for key, value in self.fields]
        except UnicodeDecodeError as exc:
            raise MalformedPayload("form field is not valid UTF-8") from exc


def form_data(request: InboundRequest) -> FormData:
    """Fields of a urlencoded or multipart body (or of ``request.form`` when pre-parsed)."""
    if request.form is not None:
        fields = [
            (key, item.encode())
            for key, value in request.form.items()
            for item in ([value] if isinstance(value, str) else value)
        ]
        return FormData(fields, list(request.files or ()), predecoded=True)
    media_type = require_media_type(
        request, "application/x-www-form-urlencoded", "multipart/form-data"
    )
    if media_type == "multipart/form-data":
        return _parse_multipart(request.body, request.content_type)
    return _parse_urlencoded(request.body)


def _parse_urlencoded(body: bytes) -> FormData:
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise MalformedPayload("urlencoded body contains raw non-ASCII bytes") from exc
    # latin-1 maps %XX escapes 1:1 to code points, so re-encoding recovers the exact bytes.
    pairs = parse_qsl(text, keep_blank_values=True, encoding="latin-1")
    return FormData([(key, value.encode("latin-1")) for key, value in pairs], [])


def _parse_multipart(body: bytes, content_type: str) -> FormData:
    """RFC 7578 via the stdlib MIME parser (a form is a MIME multipart entity)."""
    if "boundary=" not in content_type.lower():
        raise MalformedPayload("multipart body without a boundary parameter")
    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    message = BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise MalformedPayload("multipart body cannot be parsed")
    fields: list[tuple[str, bytes]] = []
    files: list[UploadedFile] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is None:
            fields.append((name, data))
        else:
            files.append(UploadedFile(name, filename, part.get_content_type(), data))
    return FormData(fields, files)


# --------------------------------------------------------------------------- messages


def parse_count(value: object) -> int:
    """A provider's attachment count (string or int); anything unusable counts as 0."""
    try:
        return max(int(str(value)), 0)
    except ValueError:
        return 0


def parse_direction(value: str | None) -> Direction:
    """``inbound`` (default) or ``outbound``; anything else is a 422."""
    if value is None or not value.strip():
        return Direction.INBOUND
    try:
        return Direction(value.strip().lower())
    except ValueError as exc:
        raise MalformedPayload(
            f"direction must be 'inbound' or 'outbound', not {value!r}", status=422
        ) from exc


def message_from_mime(
    raw: bytes,
    *,
    provider: str,
    settings: Settings,
    direction: Direction = Direction.INBOUND,
) -> NormalizedMessage:
    """Raw RFC 5322 bytes -> NormalizedMessage via the shared MIME parser (422 if unusable)."""
    check_message_size(len(raw), settings)
    if not raw.strip():
        raise MalformedPayload("message is empty", status=422)
    try:
        message = parse_mime(raw, provider=provider)
    except MailParseError as exc:
        raise MalformedPayload(f"message cannot be parsed: {exc}", status=422) from exc
    message.direction = direction
    message.provider = provider
    return message


@dataclass
class MessageFields:
    """A message as a provider without raw MIME describes it (all values already decoded).

    ``headers`` are the original header (name, value) pairs when the provider passes them on:
    they are the only source of ``Message-ID``/``In-Reply-To``/``References`` for most providers
    and fill anything not given explicitly.
    """

    from_: str = ""
    to: Sequence[str] = ()
    subject: str | None = None
    text: str = ""
    html: str = ""
    date: str | None = None
    message_id: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] | str | None = None
    headers: Sequence[tuple[str, str]] = ()
    stripped_text_hint: str = ""
    attachments: int = 0
    charset: str | None = "utf-8"
    direction: Direction = Direction.INBOUND


def format_mailbox(name: object, address: object) -> str:
    """``"Name" <address>`` from structured provider fields, quoting the display name so that
    commas or non-ASCII in it cannot split the address list when parsed back."""
    if not isinstance(address, str):
        return ""
    if not isinstance(name, str) or not name:
        return address
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}" <{address}>'


def header_value(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    """First value of header ``name`` (case-insensitive) in a list of pairs."""
    lowered = name.lower()
    return next((value for key, value in headers if key.lower() == lowered), None)


def message_from_fields(
    fields: MessageFields, *, provider: str, settings: Settings
) -> NormalizedMessage:
    """Build the NormalizedMessage from provider fields, cleaning like the MIME path does.

    The provider's own stripped reply (``stripped_text_hint``) is used only when our own
    ``split_reply`` leaves nothing: its reply detection differs per provider and language, and
    classification must see the same cleaning for every provider.
    """
    text = fields.text or html_to_text(fields.html)
    check_message_size(len(text.encode()) + len(fields.html.encode()), settings)
    sender = fields.from_ or header_value(fields.headers, "From") or ""
    from_name, from_address = _first_address(sender)
    if not from_address:
        raise MalformedPayload("message has no sender address", status=422)
    new_text, quoted_text, signature = split_reply(text)
    if not new_text.strip() and fields.stripped_text_hint.strip():
        new_text = fields.stripped_text_hint.strip()
    pick = _header_picker(fields.headers)
    date = parse_date(fields.date or pick("Date"))
    return NormalizedMessage(
        from_address=from_address,
        from_name=from_name,
        to_addresses=_addresses(fields.to or [pick("To") or ""]),
        subject=fields.subject if fields.subject is not None else pick("Subject") or "",
        date=date,
        message_id=_first_id(fields.message_id or pick("Message-ID")),
        in_reply_to=_first_id(fields.in_reply_to or pick("In-Reply-To")),
        references=_ids(fields.references or pick("References")),
        text=new_text,
        quoted_text=quoted_text,
        quoted_date=_quoted_date(quoted_text, date),
        signature=signature,
        charset=fields.charset,
        attachments=fields.attachments,
        direction=fields.direction,
        provider=provider,
    )


def _header_picker(headers: Sequence[tuple[str, str]]) -> Callable[[str], str | None]:
    """Look up a provider-supplied header, decoding RFC 2047 words some providers pass raw."""

    def pick(name: str) -> str | None:
        value = header_value(headers, name)
        return decode_header_text(value) if value is not None else None

    return pick


def _ids(value: Sequence[str] | str | None) -> list[str]:
    """``<id@host>`` tokens, spelled exactly as the MIME parser spells them (threading)."""
    if not value:
        return []
    return normalize_message_ids(value if isinstance(value, str) else " ".join(value))


def _first_id(value: str | None) -> str | None:
    return next(iter(_ids(value)), None)


def _quoted_date(quoted_text: str, date: datetime | None) -> datetime | None:
    """When the quoted message was sent, read from its attribution line (as the MIME path).

    Client UIs print local time without a zone, so the reply's own zone is assumed; only
    English clients write month-first numeric dates.
    """
    attribution = find_attribution(quoted_text)
    if attribution is None:
        return None
    zone = date.tzinfo if date else None
    return parse_attribution_date(
        attribution.date_text, zone, dayfirst=attribution.language != "en"
    )


def _first_address(value: str) -> tuple[str, str]:
    """(display name, normalized address) of the first mailbox in a From-style value."""
    for name, address in getaddresses([value]):
        if "@" in address:
            return name.strip(), normalize_address(address)
    return "", ""


def _addresses(values: Iterable[str]) -> list[str]:
    """Normalized addresses from header-style values ("A <a@x>, b@y") or bare addresses."""
    found = getaddresses([v for v in values if v])
    return [normalize_address(address) for _, address in found if "@" in address]


def parse_date(value: str | None) -> datetime | None:
    """RFC 5322 or ISO 8601 date -> aware datetime (naive values are taken as UTC)."""
    if not value or not value.strip():
        return None
    parsed: datetime | None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed
