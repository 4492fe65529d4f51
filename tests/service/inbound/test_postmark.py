"""Postmark inbound JSON webhook with basic auth."""

from __future__ import annotations

import base64
import copy
import json

import pytest

from service.inbound import (
    AuthError,
    InboundRequest,
    MalformedPayload,
    PayloadTooLarge,
    ProviderDisabled,
    UnsupportedMediaType,
)
from service.inbound.postmark import PostmarkAdapter

BASIC = "Basic " + base64.b64encode("postmark:pässwörd".encode()).decode()


@pytest.fixture
def settings(make_settings):
    return make_settings(
        postmark_basic_user="postmark",
        postmark_basic_password="pässwörd",
        max_message_bytes=64 * 1024,
    )


def payload(sample, quoted, lang: str) -> dict:
    """Shaped like Postmark's documented example (developer/webhooks/inbound-webhook)."""
    s = sample(lang)
    return {
        "FromName": s["name"],
        "MessageStream": "inbound",
        "From": s["address"],
        "FromFull": {"Email": s["address"], "Name": s["name"], "MailboxHash": ""},
        "To": '"Support" <451d9b70cf9364d23ff6f9d51d870251569e+ahoy@inbound.postmarkapp.com>',
        "ToFull": [
            {
                "Email": "451d9b70cf9364d23ff6f9d51d870251569e+ahoy@inbound.postmarkapp.com",
                "Name": "Support",
                "MailboxHash": "ahoy",
            }
        ],
        "Cc": "",
        "CcFull": [],
        "Bcc": "",
        "BccFull": [],
        "OriginalRecipient": "451d9b70cf9364d23ff6f9d51d870251569e+ahoy@inbound.postmarkapp.com",
        "Subject": s["subject"],
        "MessageID": "73e6d360-66eb-11e1-8e72-a8904824019b",
        "ReplyTo": "",
        "MailboxHash": "ahoy",
        "Date": "Tue, 4 Mar 2025 12:30:00 +0300",
        "TextBody": quoted(lang),
        "HtmlBody": f"<p>{s['reply']}</p>",
        "StrippedTextReply": s["reply"],
        "Tag": "",
        "Headers": [
            {"Name": "X-Spam-Status", "Value": "No"},
            {"Name": "X-Spam-Score", "Value": "-0.1"},
            {"Name": "Received-SPF", "Value": "Pass"},
            {"Name": "MIME-Version", "Value": "1.0"},
            {"Name": "Message-ID", "Value": "<CAHk-pm-1@mail.example.net>"},
            {"Name": "In-Reply-To", "Value": "<orig-1@example.com>"},
            {"Name": "References", "Value": "<orig-0@example.com> <orig-1@example.com>"},
        ],
        "Attachments": [
            {
                "Name": "invoice.pdf",
                "Content": "JVBERi0xLjQ=",
                "ContentType": "application/pdf",
                "ContentLength": 7,
            }
        ],
    }


def request(doc, *, auth: str | None = BASIC, ctype="application/json", body=None):
    headers = {"Content-Type": ctype} | ({"Authorization": auth} if auth else {})
    raw = body if body is not None else json.dumps(doc, ensure_ascii=False).encode()
    return InboundRequest(headers=headers, body=raw)


@pytest.mark.parametrize("lang", ["ko", "ru", "tr"])
def test_inbound_json(settings, sample, quoted, lang):
    (message,) = PostmarkAdapter().parse(request(payload(sample, quoted, lang)), settings).messages
    s = sample(lang)
    assert message.from_address == s["address"]
    assert message.from_name == s["name"]
    assert message.subject == s["subject"]
    # The real Message-ID comes from Headers[], not Postmark's own MessageID.
    assert message.message_id == "<CAHk-pm-1@mail.example.net>"
    assert message.in_reply_to == "<orig-1@example.com>"
    assert message.references == ["<orig-0@example.com>", "<orig-1@example.com>"]
    assert message.date is not None and message.date.isoformat() == "2025-03-04T12:30:00+03:00"
    assert len(message.to_addresses) == 1 and "inbound.postmarkapp.com" in message.to_addresses[0]
    assert message.attachments == 1
    assert s["reply"].split(".")[0] in message.text
    assert s["quoted"] not in message.text
    assert message.provider == "postmark"


def test_display_name_with_comma_stays_one_address(settings, sample, quoted):
    doc = payload(sample, quoted, "tr")
    doc["FromFull"]["Name"] = 'Yılmaz, Ayşe "AY"'
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert message.from_address == "ayse.yilmaz@example.com.tr"


def test_stripped_reply_is_only_a_hint(settings, sample, quoted):
    """Our own split_reply wins; Postmark's StrippedTextReply is used when ours finds nothing."""
    doc = payload(sample, quoted, "ru")
    doc["StrippedTextReply"] = "something else entirely"
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert "something else" not in message.text
    doc["TextBody"] = "> only quoted history\n> nothing new"
    doc["StrippedTextReply"] = "Ок."
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert message.text == "Ок."


def test_raw_email_preferred(settings, sample, quoted, make_mime):
    doc = payload(sample, quoted, "ko")
    doc["RawEmail"] = make_mime("ru", message_id="<pm-raw@mail.example.net>").decode()
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert message.message_id == "<pm-raw@mail.example.net>"
    assert message.from_address == sample("ru")["address"]


def test_html_only(settings, sample, quoted):
    doc = payload(sample, quoted, "ko")
    doc["TextBody"] = ""
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert "견적서" in message.text


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "Basic " + base64.b64encode(b"postmark:wrong").decode(),
        "Basic " + base64.b64encode(b"other:p\xc3\xa4ssw\xc3\xb6rd").decode(),
        "Basic " + base64.b64encode(b"postmark").decode(),
        "Bearer pässwörd",
    ],
)
def test_bad_credentials_are_401(settings, sample, quoted, auth):
    with pytest.raises(AuthError) as exc:
        PostmarkAdapter().parse(request(payload(sample, quoted, "ko"), auth=auth), settings)
    assert exc.value.status == 401  # not 403: Postmark keeps retrying if *we* broke the config
    assert exc.value.headers["WWW-Authenticate"].startswith("Basic")


def test_disabled_without_credentials(make_settings, sample, quoted):
    with pytest.raises(ProviderDisabled):
        PostmarkAdapter().parse(request(payload(sample, quoted, "ko")), make_settings())


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("FromFull") and d.pop("From"),
        lambda d: d.update(TextBody=["not", "a", "string"]),
        lambda d: d.update(Headers="Message-ID: <x@y>"),
    ],
)
def test_missing_or_wrong_fields_are_422(settings, sample, quoted, mutate):
    doc = copy.deepcopy(payload(sample, quoted, "ko"))
    mutate(doc)
    with pytest.raises(MalformedPayload) as exc:
        PostmarkAdapter().parse(request(doc), settings)
    assert exc.value.status == 422


def test_bad_json_is_400(settings):
    with pytest.raises(MalformedPayload) as exc:
        PostmarkAdapter().parse(request(None, body=b'{"From": '), settings)
    assert exc.value.status == 400


def test_json_array_is_422(settings):
    with pytest.raises(MalformedPayload):
        PostmarkAdapter().parse(request([1, 2]), settings)


def test_form_post_is_415(settings):
    with pytest.raises(UnsupportedMediaType):
        PostmarkAdapter().parse(
            request(None, ctype="application/x-www-form-urlencoded", body=b"a=b"), settings
        )


def test_too_large_is_413(settings, sample, quoted):
    doc = payload(sample, quoted, "ko")
    doc["TextBody"] = "가" * 30_000
    with pytest.raises(PayloadTooLarge):
        PostmarkAdapter().parse(request(doc), settings)


# --- attachments and raw email as Postmark documents them -------------------------------------


def test_inline_images_are_not_attachments(settings, sample, quoted):
    """An image with a ``ContentID`` is shown by the HTML body; a file has an empty one."""
    doc = payload(sample, quoted, "ru")
    doc["Attachments"] = [
        {"Name": "image001.png", "Content": "iVBORw0=", "ContentType": "image/png",
         "ContentLength": 6, "ContentID": "image001.png@01DA2F4C.6E1B9A40"},
        {"Name": "счёт.pdf", "Content": "JVBERi0=", "ContentType": "application/pdf",
         "ContentLength": 6, "ContentID": ""},
        {"Name": "акт.pdf", "Content": "JVBERi0=", "ContentType": "application/pdf",
         "ContentLength": 6},
    ]  # fmt: skip
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert message.attachments == 2


def test_raw_email_with_a_file_in_the_html_branch(settings, sample, quoted):
    """With "include raw email content", Postmark posts ``RawEmail``; Apple Mail puts an
    attached PDF inside the HTML branch of multipart/alternative."""
    s = sample("tr")
    raw = (
        f"From: {s['name']} <{s['address']}>\r\nTo: support@example.com\r\n"
        "Subject: Teklif\r\nDate: Tue, 04 Mar 2025 12:30:00 +0300\r\n"
        "Message-ID: <pm-apple@mail.example.net>\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="ALT"\r\n\r\n'
        '--ALT\r\nContent-Type: text/plain; charset="utf-8"\r\n\r\n'
        f"{s['reply']}\r\n"
        '--ALT\r\nContent-Type: multipart/mixed; boundary="MIX"\r\n\r\n'
        '--MIX\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n'
        f"<div>{s['reply']}</div>\r\n"
        '--MIX\r\nContent-Type: application/pdf; name="teklif.pdf"\r\n'
        'Content-Disposition: inline; filename="teklif.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
        "--MIX--\r\n--ALT--\r\n"
    )
    doc = payload(sample, quoted, "tr")
    doc["RawEmail"] = raw
    (message,) = PostmarkAdapter().parse(request(doc), settings).messages
    assert message.message_id == "<pm-apple@mail.example.net>"
    assert message.attachments == 1
    assert message.text.startswith("Merhaba") and message.html == f"<div>{s['reply']}</div>"
