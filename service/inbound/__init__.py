"""Provider webhook adapters: each turns one provider's POST into NormalizedMessage(s).

A route does::

    adapter = ADAPTERS[provider]            # KeyError -> 404
    try:
        result = adapter.parse(InboundRequest(...), get_settings())
    except InboundError as exc:
        return JSONResponse({"detail": exc.reason}, exc.status, headers=exc.headers)

and stores ``result.messages`` (answering with ``result.response`` when there is one), recording
``result.one_time_token`` (Mailgun) in the same transaction and refusing the request with its
``reject_status`` if the token was already recorded.

Adapters hold no state, so the one :data:`ADAPTERS` registry serves every app.
"""

from __future__ import annotations

from service.inbound.base import (
    Adapter,
    InboundRequest,
    InboundResult,
    OneTimeToken,
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

ADAPTERS: dict[str, Adapter] = {
    adapter.name: adapter
    for adapter in (
        RawMimeAdapter(),
        JsonFormAdapter(),
        MailgunAdapter(),
        SendGridAdapter(),
        PostmarkAdapter(),
        SesAdapter(),
        MandrillAdapter(),
        PostalAdapter(),
    )
}
"""One adapter per provider name (the URL segment a route would use)."""

__all__ = [
    "ADAPTERS",
    "Adapter",
    "AuthError",
    "InboundConfigError",
    "InboundError",
    "InboundRequest",
    "InboundResult",
    "MalformedPayload",
    "OneTimeToken",
    "PayloadTooLarge",
    "ProviderDisabled",
    "ReplayedRequest",
    "UnsupportedMediaType",
    "UploadedFile",
]
