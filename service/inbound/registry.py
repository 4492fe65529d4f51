"""Every provider adapter, by the name a webhook URL uses (``/v1/inbound/{name}``).

Apart from the package so that what only builds messages (``triage deliver``) never imports the
signature code of eight providers. Adapters hold no state: one registry serves every app.
"""

from __future__ import annotations

from service.inbound.json_form import JsonFormAdapter
from service.inbound.mailgun import MailgunAdapter
from service.inbound.mandrill import MandrillAdapter
from service.inbound.postal import PostalAdapter
from service.inbound.postmark import PostmarkAdapter
from service.inbound.raw import RawMimeAdapter
from service.inbound.request import Adapter
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
