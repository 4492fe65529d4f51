"""The OpenAPI description of each provider's webhook: body, auth and parameters.

The webhook route reads the raw body itself (signatures cover the exact bytes), so FastAPI
cannot derive these from a model. The schemas state what the adapters in ``service.inbound``
enforce, no more and no less: a field an adapter refuses when it has the wrong type is typed
here, a field it reads leniently (providers vary, and a mail must not be refused over a field
we can do without) is left open (``{}``). Whether a schema-valid payload is a usable e-mail
(a sender address, a parseable MIME message) is beyond what a schema can state: that is the
documented 422.
"""

from __future__ import annotations

from typing import Any

from service.inbound.json_form import JsonMessage

STRING = {"type": "string"}
ANY: dict[str, Any] = {}
DIRECTION = {"type": "string", "enum": ["inbound", "outbound"]}

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    "InboundToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "TRIAGE_INBOUND_TOKEN, or an API key with the `inbound` scope.",
    },
    "PostmarkBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "TRIAGE_POSTMARK_BASIC_USER/_PASSWORD, embedded in the webhook URL.",
    },
    "SendGridBasic": {
        "type": "http",
        "scheme": "basic",
        "description": "TRIAGE_SENDGRID_BASIC_USER/_PASSWORD, embedded in the Parse URL.",
    },
    "SendGridOAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "TRIAGE_SENDGRID_OAUTH_TOKEN (SendGrid's OAuth security policy).",
    },
}
"""Schemes of the webhooks that authenticate with a credential; the others sign their posts
(a signature parameter or field, verified against the provider's key)."""


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


def _header(name: str, description: str, *, required: bool = True) -> dict[str, Any]:
    return {
        "name": name,
        "in": "header",
        "required": required,
        "schema": STRING,
        "description": description,
    }


def _json_message_schema() -> dict[str, Any]:
    schema = JsonMessage.model_json_schema(by_alias=True)
    schema.pop("title", None)
    # The model validator: exactly one of a raw message or its fields.
    schema["oneOf"] = [{"required": ["raw"]}, {"required": ["from"]}]
    return schema


MAILGUN_FORM = _form(
    {
        "timestamp": STRING,
        "token": STRING,
        "signature": STRING,
        "parent-signature": STRING,
        "from": STRING,
        "sender": STRING,
        "recipient": STRING,
        "subject": STRING,
        "body-plain": STRING,
        "body-html": STRING,
        "stripped-text": STRING,
        "message-headers": {
            "type": "string",
            "description": "JSON list of [name, value] pairs.",
        },
        "attachment-count": STRING,
        "body-mime": {"type": "string", "description": "The raw message (MIME routes)."},
    },
    ["timestamp", "token", "signature"],
)

SENDGRID_FORM = _form(
    {
        "email": {"type": "string", "description": "The raw message (raw mode)."},
        **{name: STRING for name in ("from", "to", "subject", "text", "html", "headers")},
        "envelope": {"type": "string", "description": 'JSON {"to": [...], "from": "..."}.'},
        "charsets": {"type": "string", "description": "JSON object: field -> charset."},
        "attachments": STRING,
    },
    [],
)

POSTMARK_JSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        **{
            name: {"type": ["string", "null"]}
            for name in ("From", "Subject", "Date", "TextBody", "HtmlBody", "StrippedTextReply")
        },
        "FromFull": ANY,
        "To": ANY,
        "ToFull": ANY,
        "Headers": {"type": ["array", "null"], "description": "[{Name, Value}, ...]"},
        "Attachments": ANY,
        "RawEmail": ANY,
    },
}

SNS_ENVELOPE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "Type": {
            "type": "string",
            "enum": ["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"],
        },
        **{
            name: STRING
            for name in (
                "MessageId",
                "TopicArn",
                "Subject",
                "Message",
                "Timestamp",
                "Signature",
                "SigningCertURL",
                "Token",
                "SubscribeURL",
            )
        },
        "SignatureVersion": {"type": "string", "enum": ["1", "2"]},
    },
    "required": [
        "Type",
        "MessageId",
        "TopicArn",
        "Message",
        "Timestamp",
        "Signature",
        "SignatureVersion",
        "SigningCertURL",
    ],
}

MANDRILL_FORM = _form(
    {"mandrill_events": {"type": "string", "description": "JSON array of events."}},
    ["mandrill_events"],
)

POSTAL_JSON: dict[str, Any] = {
    "type": "object",
    "properties": {
        "message": {"type": "string", "description": "The raw message (raw format)."},
        "base64": ANY,
        **{
            name: ANY
            for name in (
                "id",
                "rcpt_to",
                "mail_from",
                "subject",
                "message_id",
                "from",
                "to",
                "date",
                "in_reply_to",
                "references",
                "plain_body",
                "html_body",
                "replies_from_plain_body",
                "attachment_quantity",
                "bounce",
            )
        },
    },
}


def _body(content: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": s} for media, s in content.items()}}


WEBHOOKS: dict[str, dict[str, Any]] = {
    "raw": {
        "summary": "A raw RFC 5322 message (MTA pipes, scripts)",
        "requestBody": _body({"message/rfc822": {"type": "string", "format": "binary"}}),
        "parameters": [
            {"name": "X-Direction", "in": "header", "schema": DIRECTION},
            {"name": "direction", "in": "query", "schema": DIRECTION},
        ],
        "security": [{"InboundToken": []}],
    },
    "json": {
        "summary": "One message as plain JSON (fields, or the raw message in base64)",
        "requestBody": _body({"application/json": _json_message_schema()}),
        "security": [{"InboundToken": []}],
    },
    "mailgun": {
        "summary": "Mailgun route forward() (signed: timestamp, token, signature)",
        "requestBody": _body(
            {"application/x-www-form-urlencoded": MAILGUN_FORM, "multipart/form-data": MAILGUN_FORM}
        ),
    },
    "sendgrid": {
        "summary": "SendGrid Inbound Parse (raw or parsed mode)",
        "requestBody": _body({"multipart/form-data": SENDGRID_FORM}),
        "security": [{"SendGridBasic": []}, {"SendGridOAuth": []}],
    },
    "postmark": {
        "summary": "Postmark inbound webhook",
        "requestBody": _body({"application/json": POSTMARK_JSON}),
        "security": [{"PostmarkBasic": []}],
    },
    "ses": {
        "summary": "Amazon SES receipt through SNS (signed envelope)",
        "description": (
            "SNS posts the same JSON envelope as `text/plain` unless its delivery policy says "
            "`application/json`; both are accepted."
        ),
        "requestBody": _body({"application/json": SNS_ENVELOPE}),
        "parameters": [
            _header("x-amz-sns-message-type", "Repeats the envelope's Type.", required=False)
        ],
    },
    "mandrill": {
        "summary": "Mandrill inbound events (signed)",
        "requestBody": _body({"application/x-www-form-urlencoded": MANDRILL_FORM}),
        "parameters": [
            _header("X-Mandrill-Signature", "base64 HMAC-SHA1 over the URL and the fields.")
        ],
    },
    "postal": {
        "summary": "Postal HTTP endpoint (signed body)",
        "description": "An endpoint with form encoding posts the same fields as a form.",
        "requestBody": _body({"application/json": POSTAL_JSON}),
        "parameters": [_header("X-Postal-Signature-256", "base64 RSA-SHA256 over the body.")],
    },
}
"""Per provider: summary, request body, parameters and security of its webhook operation."""
