"""Provider webhook adapters: each turns one provider's POST into NormalizedMessage(s).

A route does::

    adapter = ADAPTERS[provider]            # KeyError -> 404
    try:
        result = adapter.parse(InboundRequest(...), get_settings())
    except InboundError as exc:
        return JSONResponse({"detail": exc.reason}, exc.status, headers=exc.headers)

and stores ``result.messages`` (answering with ``result.response`` when there is one). If storing
fails, it should ``adapter.replay_cache.discard(result.replay_key)`` (Mailgun) before answering
5xx, so the provider's retry is accepted.

The registry holds one instance per provider: the Mailgun adapter's in-memory replay cache must
live as long as the process. :func:`build_adapters` makes a fresh set (tests, or a database
backed replay cache).
"""

from __future__ import annotations

from service.inbound.base import (
    Adapter,
    InboundRequest,
    InboundResult,
    InMemoryReplayCache,
    ReplayCache,
    UploadedFile,
)
from service.inbound.errors import (
    AuthError,
    InboundConfigError,
    InboundError,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    ReplayedRequest,
    UnsupportedMediaType,
)
from service.inbound.json_form import JsonFormAdapter
from service.inbound.mailgun import MailgunAdapter
from service.inbound.mandrill import MandrillAdapter
from service.inbound.postal import PostalAdapter
from service.inbound.postmark import PostmarkAdapter
from service.inbound.raw import RawMimeAdapter
from service.inbound.sendgrid import SendGridAdapter
from service.inbound.ses import SesAdapter


def build_adapters(replay_cache: ReplayCache | None = None) -> dict[str, Adapter]:
    """One adapter per provider name (the URL segment a route would use)."""
    adapters: list[Adapter] = [
        RawMimeAdapter(),
        JsonFormAdapter(),
        MailgunAdapter(replay_cache=replay_cache),
        SendGridAdapter(),
        PostmarkAdapter(),
        SesAdapter(),
        MandrillAdapter(),
        PostalAdapter(),
    ]
    return {adapter.name: adapter for adapter in adapters}


ADAPTERS: dict[str, Adapter] = build_adapters()

__all__ = [
    "ADAPTERS",
    "Adapter",
    "AuthError",
    "InMemoryReplayCache",
    "InboundConfigError",
    "InboundError",
    "InboundRequest",
    "InboundResult",
    "MalformedPayload",
    "PayloadTooLarge",
    "ProviderDisabled",
    "ReplayCache",
    "ReplayedRequest",
    "UnsupportedMediaType",
    "UploadedFile",
    "build_adapters",
]
