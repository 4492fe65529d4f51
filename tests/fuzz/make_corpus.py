"""Writes the committed seed corpus (``corpus/<target>/``) from the .eml fixtures.

Each provider gets its payload shapes (raw message inside the envelope, and parsed fields),
built from real multilingual fixtures. Re-run after adding a fixture or a payload shape:
``python tests/fuzz/make_corpus.py``. Fuzzers add their own finds to a copy, not here.
"""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "eml"
sys.path[:0] = [str(HERE.parent.parent), str(HERE)]  # this checkout, then the targets

from targets import BOUNDARY, CORPUS  # noqa: E402

PICKS = ("ko/02-naver-euc-kr.eml", "ru/03-windows-1251-outlook.eml", "tr/05-html-only-gmail.eml")
FIELDS = {
    "from": "Иван Петров <ivan.petrov@example.ru>",
    "to": "Support <support@example.com>",
    "subject": "Re: 견적서",
    "text": "Still waiting. This will never work.\n\nOn Tue, 4 Mar 2025 Support wrote:\n> Soon.",
    "html": "<p>Merhaba, <b>hâlâ</b> gelmedi.</p>",
}


def multipart(fields: dict[str, str | bytes]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + (value if isinstance(value, bytes) else value.encode())
        + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def seeds(raw: bytes) -> dict[str, list[bytes]]:
    text = raw.decode("utf-8", errors="replace")
    headers = [["Message-ID", "<fuzz-1@example.ru>"], ["In-Reply-To", "<orig@example.com>"]]
    return {
        "json": [
            json.dumps({"raw": base64.b64encode(raw).decode(), "direction": "inbound"}).encode(),
            json.dumps(FIELDS | {"to": [FIELDS["to"]], "references": ["<a@b>"]}).encode(),
        ],
        "postmark": [
            json.dumps({"RawEmail": text}).encode(),
            json.dumps(
                {
                    "FromFull": {"Email": "ayse@example.com.tr", "Name": "Ayşe"},
                    "ToFull": [{"Email": "support@example.com"}],
                    "Subject": FIELDS["subject"],
                    "TextBody": FIELDS["text"],
                    "HtmlBody": FIELDS["html"],
                    "Headers": [{"Name": k, "Value": v} for k, v in headers],
                }
            ).encode(),
        ],
        "sendgrid": [
            multipart({"email": raw}),
            multipart(
                {
                    **FIELDS,
                    "headers": "Message-ID: <x@y>\r\nDate: Tue, 4 Mar 2025",
                    "charsets": json.dumps({"text": "utf-8"}),
                    "envelope": json.dumps({"to": ["support@example.com"]}),
                }
            ),
        ],
        "mailgun": [
            urlencode({"body-mime": text}).encode(),
            urlencode(
                {
                    "from": FIELDS["from"],
                    "recipient": "support@example.com",
                    "subject": FIELDS["subject"],
                    "body-plain": FIELDS["text"],
                    "message-headers": json.dumps(headers),
                }
            ).encode(),
        ],
        "mandrill": [
            urlencode(
                {
                    "mandrill_events": json.dumps(
                        [
                            {"event": "inbound", "msg": {"raw_msg": text}},
                            {
                                "event": "inbound",
                                "msg": {
                                    "from_email": "a@b.example",
                                    "text": FIELDS["text"],
                                    "to": [["support@example.com", "S"]],
                                },
                            },
                            {"event": "send", "msg": {}},
                        ]
                    )
                }
            ).encode(),
        ],
        "postal": [
            json.dumps({"message": base64.b64encode(raw).decode(), "base64": True}).encode(),
            json.dumps(
                {
                    "from": FIELDS["from"],
                    "to": "support@example.com",
                    "plain_body": "Where is it?",
                    "replies_from_plain_body": "> old",
                    "message_id": "<p@x>",
                    "bounce": False,
                }
            ).encode(),
        ],
    }


def main() -> None:
    for index, pick in enumerate(PICKS):
        for target, payloads in seeds((FIXTURES / pick).read_bytes()).items():
            folder = CORPUS / target
            folder.mkdir(parents=True, exist_ok=True)
            for number, payload in enumerate(payloads):
                (folder / f"seed-{index}-{number}").write_bytes(payload)
    (CORPUS / "mime").mkdir(parents=True, exist_ok=True)
    nested = b"Content-Type: multipart/mixed; boundary=a\r\nFrom: x@y\r\n\r\n--a\r\n" * 3
    (CORPUS / "mime" / "nested").write_bytes(nested)
    (CORPUS / "clean").mkdir(parents=True, exist_ok=True)
    (CORPUS / "clean" / "attribution").write_bytes(FIELDS["text"].encode())


if __name__ == "__main__":
    main()
