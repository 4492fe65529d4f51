"""The shapes every adapter shares: the request it reads, the result it returns, its interface.

A route turns the HTTP request into an :class:`InboundRequest` (raw body bytes are required for
providers that sign the body), picks an adapter from :data:`service.inbound.registry.ADAPTERS`
and calls ``adapter.parse(request, settings)``. It gets an :class:`InboundResult` back, or an
:class:`~service.inbound.errors.InboundError` whose ``status``/``reason``/``headers`` it returns
as is. Adapters are pure: no I/O besides reading a configured certificate file, no network.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from service.config import Settings
from service.mail.message import NormalizedMessage


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
    trusted: bool = False
    """The route already authenticated the sender (an API key with the ``inbound`` scope)."""

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
