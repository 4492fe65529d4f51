"""Raw RFC 5322 message posted as ``Content-Type: message/rfc822`` with a bearer token.

For MTAs and scripts we control (a Postfix pipe, a mailbox poller): the body is the message
itself, byte for byte, so it goes straight to the shared MIME parser.

* Auth: ``Authorization: Bearer <TRIAGE_INBOUND_TOKEN>``, constant-time compare; failure is
  401 with ``WWW-Authenticate`` (our own clients: a 401 tells the operator to fix the token).
* Direction: ``X-Direction: outbound`` header or ``?direction=outbound`` (the provider's own sent
  mail, kept for response timing); default inbound.
* Errors: wrong Content-Type 415, empty or unparseable message 422, above
  ``TRIAGE_MAX_MESSAGE_BYTES`` 413.
"""

from __future__ import annotations

from service.config import Settings
from service.inbound.auth import require_bearer
from service.inbound.build import message_from_mime, parse_direction
from service.inbound.forms import require_media_type
from service.inbound.limits import check_request_size
from service.inbound.request import InboundRequest, InboundResult

DIRECTION_HEADER = "X-Direction"


class RawMimeAdapter:
    """``message/rfc822`` body -> one message."""

    name = "raw"

    def parse(self, request: InboundRequest, settings: Settings) -> InboundResult:
        require_bearer(request, settings.inbound_token, provider=self.name)
        check_request_size(request, settings, envelope=False)
        require_media_type(request, "message/rfc822")
        direction = parse_direction(
            request.headers.get(DIRECTION_HEADER) or request.query.get("direction")
        )
        message = message_from_mime(
            request.body, provider=self.name, settings=settings, direction=direction
        )
        return InboundResult(messages=[message])
