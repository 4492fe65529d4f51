"""Errors an inbound adapter raises; each carries the HTTP status the route must answer with.

The status is part of the contract with the *sender*: mail providers decide from it whether to
retry a webhook or give up. Roughly (see each adapter's docstring for its provider's rules):

* 5xx -- every provider retries. Adapters never raise 5xx themselves: an unexpected exception
  in the route (database down) should become a 500 so the mail is delivered again later.
* 401/403 (or 406 for Mailgun) -- authentication or signature failure. Which of them is chosen
  per provider, so that forged posts are not retried while a genuine provider whose credentials
  we mis-configured keeps retrying (see the adapter docstrings).
* 400/415/422 -- the body cannot be a message: retrying the same bytes will not help.
* 413 -- larger than ``TRIAGE_MAX_MESSAGE_BYTES``.
* 404 -- the provider is not configured here (no secret set), so the endpoint does not exist.
* 503 -- a configured key cannot be loaded (our mistake): the provider retries until it is fixed.

``reason`` is safe to return to the caller: it never contains secrets or expected signatures.
"""

from __future__ import annotations

from collections.abc import Mapping


class InboundError(Exception):
    """Base class: an HTTP status, a human-readable reason, and optional response headers."""

    status: int = 400

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        if status is not None:
            self.status = status
        self.headers: dict[str, str] = dict(headers or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, reason={self.reason!r})"


class AuthError(InboundError):
    """Missing/invalid credentials or signature; 401 by default, 403/406 chosen per provider."""

    status = 401


class ReplayedRequest(AuthError):
    """A correctly signed request whose token was already seen (or whose timestamp is stale)."""


class MalformedPayload(InboundError):
    """The body is not what the provider documents (bad JSON, missing field, bad MIME): 400/422."""

    status = 400


class UnsupportedMediaType(MalformedPayload):
    """The request's Content-Type is not one this endpoint accepts (415)."""

    status = 415


class PayloadTooLarge(InboundError):
    """Body or decoded message above ``TRIAGE_MAX_MESSAGE_BYTES`` (413)."""

    status = 413


class ProviderDisabled(InboundError):
    """The provider's secret is not configured, so its endpoint is switched off (404)."""

    status = 404


class InboundConfigError(InboundError):
    """A configured secret/key/certificate is unusable: our fault, so ask for a retry (503)."""

    status = 503
