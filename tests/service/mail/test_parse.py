"""MIME parsing: charsets, encoded words, structure, attachments and broken input."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from service.mail.charset import decode_bytes
from service.mail.headers import decode_header_text, normalize_message_ids
from service.mail.html import html_to_text
from service.mail.message import MailParseError
from service.mail.parse import parse_mime


def _mail(body: bytes, *, headers: str = "", ctype: str = 'text/plain; charset="utf-8"') -> bytes:
    head = (
        "From: Client <client@example.com>\r\nTo: support@vendor.example\r\n"
        "Subject: test\r\nDate: Mon, 03 Nov 2025 14:12:30 +0900\r\n"
        f"Message-ID: <m1@example.com>\r\n{headers}Content-Type: {ctype}\r\n\r\n"
    )
    return head.encode() + body


def _b64(text: str, charset: str) -> str:
    return base64.b64encode(text.encode(charset)).decode()


# --- not mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [b"", b"hello world\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b'{"json": true}', b"\n\n\n"],
)
def test_input_that_is_not_mail_raises_one_clear_error(raw: bytes) -> None:
    with pytest.raises(MailParseError):
        parse_mime(raw)


def test_non_bytes_input_is_a_parse_error() -> None:
    with pytest.raises(MailParseError):
        parse_mime(12345)  # type: ignore[arg-type]


def test_str_input_is_accepted() -> None:
    message = parse_mime(_mail(b"Hello").decode())
    assert message.text == "Hello" and message.provider == "raw"


# --- headers -------------------------------------------------------------------------------


def test_headers_fields_and_identity() -> None:
    raw = _mail(
        b"Hi",
        headers=(
            "In-Reply-To: <orig@vendor.example>\r\n"
            "References: <a@x> <orig@vendor.example>\r\n <a@x>\r\n"
        ),
    ).replace(b"From: Client <client@example.com>", b"From: Client <Client+Orders@Example.COM>")
    message = parse_mime(raw, provider="mailgun")
    assert message.from_address == "client@example.com"
    assert message.from_name == "Client"
    assert message.to_addresses == ["support@vendor.example"]
    assert message.date == datetime(2025, 11, 3, 14, 12, 30, tzinfo=timezone(timedelta(hours=9)))
    assert message.message_id == "<m1@example.com>"
    assert message.in_reply_to == "<orig@vendor.example>"
    assert message.references == ["<a@x>", "<orig@vendor.example>"]
    assert message.provider == "mailgun" and message.raw_mime == raw


def test_encoded_words_split_inside_a_multibyte_character() -> None:
    data = "견적 요청드립니다".encode()
    first = base64.b64encode(data[:5]).decode()
    second = base64.b64encode(data[5:]).decode()
    assert decode_header_text(f"=?UTF-8?B?{first}?= =?UTF-8?B?{second}?=") == "견적 요청드립니다"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=?utf-8?Q?Re:_Refund_=E2=80=93_#7781?=", "Re: Refund – #7781"),
        ("=?koi8-r?B?" + _b64("Счёт", "koi8-r") + "?= 1452", "Счёт 1452"),
        ("=?ISO-8859-9?Q?G=FCncel_teklif?=", "Güncel teklif"),
        ("=?euc-kr?B?" + _b64("똠얌꿍", "cp949") + "?=", "똠얌꿍"),  # label euc-kr, bytes cp949
        ("=?x-unknown?B?" + _b64("Привет", "utf-8") + "?=", "Привет"),
        ("=?utf-8?B?broken base64!?=", None),
        ("plain ascii", "plain ascii"),
        ("Re: =?utf-8?B?" + _b64("Доставка", "utf-8") + "?= (2)", "Re: Доставка (2)"),
    ],
)
def test_decode_header_text(value: str, expected: str | None) -> None:
    decoded = decode_header_text(value)
    if expected is None:
        assert isinstance(decoded, str)  # damaged words never raise
    else:
        assert decoded == expected


def test_raw_8bit_headers_are_decoded() -> None:
    raw = _mail(b"x").replace(b"Subject: test", "Subject: Заказ не пришёл".encode("cp1251"))
    assert parse_mime(raw).subject == "Заказ не пришёл"


def test_folded_headers_are_unfolded() -> None:
    raw = _mail(b"x").replace(
        b"Subject: test", b"Subject: =?utf-8?Q?Long_subject?=\r\n =?utf-8?Q?_continues?=\r\n\there"
    )
    assert parse_mime(raw).subject == "Long subject continues here"


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ("", None),
        ("not a date", None),
        ("Mon, 03 Nov 2025 09:41:00 -0000", datetime(2025, 11, 3, 9, 41, tzinfo=UTC)),
        ("2025-11-03 09:41:00 +0900", datetime(2025, 11, 3, 0, 41, tzinfo=UTC)),
    ],
)
def test_date_header(date: str, expected: datetime | None) -> None:
    raw = _mail(b"x").replace(b"Date: Mon, 03 Nov 2025 14:12:30 +0900", f"Date: {date}".encode())
    assert parse_mime(raw).date == expected


def test_missing_headers_still_give_a_message() -> None:
    message = parse_mime(b"From: a@client.example\r\nSubject: only a subject\r\n\r\nbody text")
    assert (message.from_address, message.date, message.message_id) == (
        "a@client.example",
        None,
        None,
    )
    assert message.text == "body text"


@pytest.mark.parametrize("sender", ["", "From: undisclosed-recipients\r\n", "From: <>\r\n"])
def test_a_message_without_a_sender_address_is_refused(sender: str) -> None:
    """One rule for every inbound path: no address, no client to attribute it to."""
    with pytest.raises(MailParseError, match="no sender address"):
        parse_mime(f"{sender}Subject: only a subject\r\n\r\nbody text".encode())


def test_message_ids_are_bracketed_and_deduplicated() -> None:
    assert normalize_message_ids("<a@x> junk <b@y>\t<a@x>") == ["<a@x>", "<b@y>"]
    assert normalize_message_ids("bare@provider.example") == ["<bare@provider.example>"]
    assert normalize_message_ids("") == []


# --- charsets ------------------------------------------------------------------------------

RU = "Добрый день! Мы до сих пор не получили возврат по счёту. Прошу срочно разобраться."
KO = "안녕하세요. 지난주 주문한 소스가 아직 도착하지 않았습니다. 확인 부탁드립니다."
TR = "Merhaba, siparişimiz hâlâ gelmedi. Şikâyetimizi çözmenizi rica ederiz. Teşekkürler."


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        (RU, "koi8-r", "koi8-r"),
        (RU, "cp1251", "windows-1251"),
        (RU, "cp1251", "koi8-r"),  # mislabelled
        (RU, "koi8-r", "windows-1251"),  # mislabelled
        (RU, "cp1251", None),  # no label at all
        (RU, "cp1251", "us-ascii"),
        ("ВЫ ОБМАНЩИКИ, ВЕРНИТЕ ДЕНЬГИ", "cp1251", "windows-1251"),  # shouting is still Russian
        (KO, "euc-kr", "euc-kr"),
        ("똠얌꿍 " + KO, "cp949", "euc-kr"),  # cp949-only syllables under an euc-kr label
        (KO, "cp949", None),
        (KO, "iso2022_kr", "iso-2022-kr"),
        (KO, "iso2022_kr", None),
        (TR, "iso-8859-9", "iso-8859-9"),
        (TR, "cp1254", "windows-1254"),
        (TR, "utf-8", "us-ascii"),  # 8-bit UTF-8 under an ASCII label
        (TR, "utf-8", "koi8-r"),
        ("naïve café — €5", "utf-8", None),
        ("plain", "ascii", "bogus-charset"),
    ],
)
def test_decode_bytes_with_missing_or_wrong_labels(
    text: str, codec: str, label: str | None
) -> None:
    assert decode_bytes(text.encode(codec), label)[0] == text


def test_undecodable_bytes_are_replaced_not_raised() -> None:
    text, _ = decode_bytes(b"\x81\x8d\x8f\x90\x9d" * 3, "windows-1252")
    assert isinstance(text, str)


# --- structure -----------------------------------------------------------------------------


def _multipart(subtype: str, parts: list[bytes], boundary: str = "BOUNDARY") -> tuple[str, bytes]:
    body = b"".join(b"--" + boundary.encode() + b"\r\n" + part + b"\r\n" for part in parts)
    return f'multipart/{subtype}; boundary="{boundary}"', body + f"--{boundary}--\r\n".encode()


def _part(ctype: str, body: bytes, extra: str = "") -> bytes:
    return f"Content-Type: {ctype}\r\n{extra}\r\n".encode() + body


def test_alternative_prefers_plain_text() -> None:
    ctype, body = _multipart(
        "alternative",
        [_part("text/plain; charset=utf-8", b"plain version"), _part("text/html", b"<p>html</p>")],
    )
    assert parse_mime(_mail(body, ctype=ctype)).text == "plain version"


def test_alternative_with_empty_plain_uses_html() -> None:
    ctype, body = _multipart(
        "alternative",
        [_part("text/plain", b"  \r\n"), _part("text/html", b"<p>Where is <b>my</b> order?</p>")],
    )
    assert parse_mime(_mail(body, ctype=ctype)).text == "Where is my order?"


def test_html_charset_from_meta_tag() -> None:
    page = '<meta charset="windows-1251"><p>Где заказ?</p>'.encode("cp1251")
    message = parse_mime(_mail(page, ctype="text/html"))
    assert message.text == "Где заказ?" and message.charset == "cp1251"


def test_attachments_are_counted_not_read() -> None:
    inner = _mail(b"forwarded body")
    ctype, body = _multipart(
        "mixed",
        [
            _part("text/plain; charset=utf-8", b"see attached"),
            _part(
                "application/pdf",
                b"JVBERi0=",
                "Content-Disposition: attachment; filename=a.pdf\r\n",
            ),
            _part(
                "image/png", b"iVBORw0=", "Content-ID: <logo@x>\r\nContent-Disposition: inline\r\n"
            ),
            _part("text/plain", b"a,b", 'Content-Disposition: inline; filename="data.csv"\r\n'),
            _part("message/rfc822", inner),
            _part("application/octet-stream", b"\x00\x01"),
        ],
    )
    message = parse_mime(_mail(body, ctype=ctype))
    assert message.text == "see attached"
    assert message.attachments == 4  # pdf, csv file, forwarded message, octet-stream; not the logo


def test_files_in_every_alternative_are_counted_and_inline_images_are_not() -> None:
    """Postmark's raw email as Apple Mail sends it: the PDF sits in the HTML branch of
    multipart/alternative, next to an inline logo, while the text is read from text/plain."""
    related, related_body = _multipart(
        "mixed",
        [
            _part("text/html; charset=utf-8", b"<p>Invoice attached <img src='cid:logo@x'></p>"),
            _part("image/png", b"iVBORw0=", "Content-ID: <logo@x>\r\n"),
            _part(
                "application/pdf",
                b"JVBERi0=",
                'Content-Disposition: inline; filename="inv.pdf"\r\n',
            ),
        ],
        boundary="INNER",
    )
    ctype, body = _multipart(
        "alternative",
        [_part("text/plain; charset=utf-8", b"Invoice attached"), _part(related, related_body)],
    )
    message = parse_mime(_mail(body, ctype=ctype))
    assert message.text == "Invoice attached"
    assert message.attachments == 1  # the PDF; not the logo the HTML shows
    assert message.html is not None and "cid:logo@x" in message.html


def test_an_image_marked_as_attachment_is_a_file_even_with_a_content_id() -> None:
    ctype, body = _multipart(
        "mixed",
        [
            _part("text/plain; charset=utf-8", b"photo of the damage"),
            _part(
                "image/jpeg", b"/9j/", "Content-ID: <p1@x>\r\nContent-Disposition: attachment\r\n"
            ),
        ],
    )
    assert parse_mime(_mail(body, ctype=ctype)).attachments == 1


def test_the_html_part_is_kept_as_sent() -> None:
    page = "<div dir='ltr'>Где <b>заказ</b>?</div><blockquote>старое</blockquote>"
    ctype, body = _multipart(
        "alternative",
        [
            _part("text/plain; charset=utf-8", "Где заказ?".encode()),
            _part("text/html; charset=utf-8", page.encode()),
        ],
    )
    message = parse_mime(_mail(body, ctype=ctype))
    assert (message.text, message.html) == ("Где заказ?", page)
    assert parse_mime(_mail(b"plain only")).html is None


def test_an_html_only_mail_is_read_from_its_html() -> None:
    page = "<p>Siparişim <b>nerede</b>?</p>"
    message = parse_mime(_mail(page.encode(), ctype="text/html; charset=utf-8"))
    assert (message.text, message.html) == ("Siparişim nerede?", page)


def test_format_flowed_is_unwrapped() -> None:
    body = b"This line is soft \r\nwrapped here.\r\n\r\n-- \r\nSig"
    message = parse_mime(_mail(body, ctype="text/plain; charset=utf-8; format=flowed"))
    assert message.text == "This line is soft wrapped here."
    assert message.signature == "--\nSig"


def test_format_flowed_delsp() -> None:
    body = b"Sipari\xc5\x9f \r\nimiz nerede?"
    message = parse_mime(_mail(body, ctype="text/plain; charset=utf-8; format=flowed; delsp=yes"))
    assert message.text == "Siparişimiz nerede?"


def test_missing_closing_boundary_and_garbage_parts() -> None:
    raw = _mail(
        b"--B\r\nContent-Type: text/plain\r\n\r\nstill readable\r\n--B\r\nContent-Type: "
        b"garbage\r\n",
        ctype='multipart/mixed; boundary="B"',
    )
    assert parse_mime(raw).text.startswith("still readable")


def test_multipart_without_boundary_parameter() -> None:
    message = parse_mime(_mail(b"just text", ctype="multipart/mixed"))
    assert isinstance(message.text, str)


def test_deep_nesting_is_bounded() -> None:
    body = b""
    for depth in range(60):
        body = _part(
            f'multipart/mixed; boundary="b{depth}"',
            b"--b%d\r\n%s\r\n--b%d--" % (depth, body, depth),
        )
    message = parse_mime(_mail(body, ctype="multipart/mixed; boundary=outer"))
    assert message.text == ""


def test_broken_base64_body() -> None:
    raw = _mail(b"SGVsbG8gd29ybGQ!!!*", headers="Content-Transfer-Encoding: base64\r\n")
    assert isinstance(parse_mime(raw).text, str)


def test_reply_fields_are_filled_from_the_cleaner() -> None:
    body = (
        "Thanks.\r\n\r\nOn Mon, Nov 3, 2025 at 9:41\u202fAM Shop <s@x.com> wrote:\r\n> old\r\n"
    ).encode()
    message = parse_mime(_mail(body))
    assert message.text == "Thanks."
    assert message.quoted_text.endswith("> old")
    assert message.quoted_date == datetime(2025, 11, 3, 9, 41, tzinfo=timezone(timedelta(hours=9)))


# --- HTML ----------------------------------------------------------------------------------


def test_html_to_text_blocks_entities_and_quotes() -> None:
    page = (
        "<html><head><title>t</title><style>p{}</style><script>x()</script></head><body>"
        "<div>Hi <b>team</b>,</div><div><br></div><p>Where&nbsp;is &amp; my order?</p>"
        "<ul><li>one</li><li>two</li></ul><blockquote>old<blockquote>older</blockquote></blockquote>"
        "<pre>  keep\n  spacing</pre><hr><div>after</div></body></html>"
    )
    assert html_to_text(page) == (
        "Hi team,\n\nWhere is & my order?\n\n- one\n- two\n\n> old\n> > older\n"
        "  keep\n  spacing\n" + "_" * 32 + "\nafter"
    )


def test_html_to_text_survives_broken_markup() -> None:
    assert html_to_text("<div><p>unclosed <b>bold <blockquote>q</div></td></tr>") == (
        "unclosed bold\n> q"
    )


def test_garbage_before_the_headers_is_skipped_and_raw_kept() -> None:
    raw = b"\x00\xff garbage line\r\n" + _mail(b"Hello")
    message = parse_mime(raw)
    assert message.text == "Hello" and message.from_address == "client@example.com"
    assert message.raw_mime == raw
