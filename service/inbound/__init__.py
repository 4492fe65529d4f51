"""Provider webhook adapters: each turns one provider's POST into NormalizedMessage(s).

A route does::

    adapter = ADAPTERS[provider]            # service.inbound.registry; KeyError -> 404
    try:
        result = adapter.parse(InboundRequest(...), get_settings())
    except InboundError as exc:
        return JSONResponse({"detail": exc.reason}, exc.status, headers=exc.headers)

and stores ``result.messages`` (answering with ``result.response`` when there is one), recording
``result.one_time_token`` (Mailgun) in the same transaction and refusing the request with its
``reject_status`` if the token was already recorded.

Adding a provider: a module here with an adapter class (``name`` and ``parse``: authenticate
with :mod:`~service.inbound.auth`, bound sizes with :mod:`~service.inbound.limits`, decode with
:mod:`~service.inbound.forms`, then hand raw MIME or :class:`~service.mail.builder.MessageFields`
to :mod:`~service.inbound.build`), its entry in :mod:`service.inbound.registry`, its settings in
``service/config.py`` and a test module under ``tests/service/inbound/``.
"""

from __future__ import annotations

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
from service.inbound.request import (
    Adapter,
    InboundRequest,
    InboundResult,
    OneTimeToken,
    UploadedFile,
)

__all__ = [
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
