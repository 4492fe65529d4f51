"""Every raw .eml fixture parses to its sidecar, and mangled mail never crashes the parser."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service.mail.message import MailParseError, NormalizedMessage
from service.mail.parse import parse_mime
from service.mail.timing import reply_gap_seconds

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "eml"
EMLS = sorted(FIXTURES.glob("*/*.eml"))
RAWS = [path.read_bytes() for path in EMLS]


def _expected(path: Path) -> dict:
    return json.loads(path.with_suffix(".expected.json").read_text(encoding="utf-8"))


def test_every_language_has_its_fixtures() -> None:
    counts = Counter(path.parent.name for path in EMLS)
    assert set(counts) == {"en", "ko", "ru", "tr"}
    assert min(counts.values()) >= 10
    assert all(path.with_suffix(".expected.json").exists() for path in EMLS)


@pytest.mark.parametrize("path", EMLS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_fixture_parses_to_expected(path: Path) -> None:
    expected = _expected(path)
    message = parse_mime(path.read_bytes())
    assert message.text == expected["text"]
    quoted_date = message.quoted_date.isoformat() if message.quoted_date else None
    assert quoted_date == expected["quoted_date"]
    assert reply_gap_seconds(message) == expected["reply_gap_seconds"]
    assert message.attachments == expected["attachments"]
    if "subject" in expected:
        assert message.subject == expected["subject"]
    assert message.from_address and message.from_address == message.from_address.lower()
    assert message.date is not None and message.message_id


@pytest.mark.parametrize("path", EMLS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_quoted_history_and_signature_never_leak_into_text(path: Path) -> None:
    message = parse_mime(path.read_bytes())
    removed = message.quoted_text + "\n" + message.signature
    for fragment in _expected(path)["must_not_contain"]:
        assert fragment not in message.text
        assert fragment in removed  # the fixture really holds it: the cleaner removed it


# --- fuzzing -------------------------------------------------------------------------------


@st.composite
def mangled_mail(draw: st.DrawFn) -> bytes:
    """A fixture damaged the ways real mail gets damaged in transit and by bad mailers."""
    raw = bytearray(draw(st.sampled_from(RAWS)))
    for operation in draw(st.lists(st.integers(0, 5), min_size=1, max_size=4)):
        if not raw:
            break
        position = draw(st.integers(0, len(raw) - 1))
        if operation == 0:  # truncate
            del raw[position:]
        elif operation == 1:  # flip bytes
            for _ in range(draw(st.integers(1, 16))):
                raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        elif operation == 2:  # drop every boundary line
            raw = bytearray(re.sub(rb"(?m)^--[^\r\n]*\r?\n", b"", bytes(raw)))
        elif operation == 3:  # random header line
            name = draw(
                st.sampled_from(
                    [
                        b"Content-Type",
                        b"Content-Transfer-Encoding",
                        b"Date",
                        b"From",
                        b"Subject",
                        b"References",
                        b"X-Junk",
                    ]
                )
            )
            value = draw(st.binary(max_size=60)).replace(b"\n", b" ")
            raw[0:0] = name + b": " + value + b"\r\n"
        elif operation == 4:  # splice random bytes
            raw[position:position] = draw(st.binary(min_size=1, max_size=200))
        else:  # lose the header/body separator
            raw = bytearray(bytes(raw).replace(b"\r\n\r\n", b"\r\n", 1))
    return bytes(raw)


def _check(message: NormalizedMessage) -> None:
    json.dumps(message.to_json_dict(), ensure_ascii=False)
    texts = [message.text, message.quoted_text, message.signature, message.subject]
    texts += [message.from_name, message.from_address, *message.to_addresses]
    texts += [message.message_id or "", message.in_reply_to or "", *message.references]
    for text in texts:
        text.encode("utf-8")  # no lone surrogates: the CLI and the store must be able to write it
    reply_gap_seconds(message)


@settings(
    max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(raw=mangled_mail())
def test_mangled_mail_raises_nothing_but_mail_parse_error(raw: bytes) -> None:
    try:
        message = parse_mime(raw)
    except MailParseError:
        return
    _check(message)


@settings(
    max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
@given(index=st.integers(0, len(RAWS) - 1), noise=st.binary(max_size=400), cut=st.floats(0, 1))
def test_damaged_body_under_intact_headers_still_gives_a_message(
    index: int, noise: bytes, cut: float
) -> None:
    raw = RAWS[index]
    separator = raw.index(b"\r\n\r\n") + 4
    body = raw[separator:]
    damaged = raw[:separator] + body[: int(len(body) * cut)] + noise
    _check(parse_mime(damaged))
