"""Body decoding: media types, JSON bodies and fields, urlencoded and multipart forms, base64."""

from __future__ import annotations

import base64
import binascii
import email.policy
import json
from email.parser import BytesParser
from typing import Any
from urllib.parse import parse_qsl

from service.inbound.errors import MalformedPayload, UnsupportedMediaType
from service.inbound.request import InboundRequest, UploadedFile


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
    boundary = message.get_boundary() or ""
    if body.strip() == f"--{boundary}--".encode("latin-1"):
        return FormData([], [])  # a form without fields: well-formed, and empty
    if not message.is_multipart() or message.defects:
        raise MalformedPayload("multipart body cannot be parsed")
    fields: list[tuple[str, bytes]] = []
    files: list[UploadedFile] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields.append((name, data))
        else:
            files.append(UploadedFile(name, filename, part.get_content_type(), data))
    return FormData(fields, files)


def decode_base64(value: str | bytes, what: str) -> bytes:
    """Strict base64 (line breaks allowed, as Ruby's ``Base64.encode64`` inserts them)."""
    try:
        compact = b"".join((value.encode("ascii") if isinstance(value, str) else value).split())
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise MalformedPayload(f"{what} is not valid base64", status=422) from exc


def parse_count(value: object) -> int:
    """A provider's attachment count (string or int); anything unusable counts as 0."""
    try:
        return max(int(str(value)), 0)
    except ValueError:
        return 0
