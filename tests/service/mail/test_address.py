"""Client identity: every spelling of one sender address maps to one id."""

from __future__ import annotations

import pytest

from service.mail.address import normalize_address


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ivan@Example.RU", "ivan@example.ru"),
        ("ivan+orders@example.ru", "ivan@example.ru"),
        ('"Иван Петров" <Ivan+Invoices@Example.ru>', "ivan@example.ru"),
        ("Doe, John <John.Doe@x.example>", "john.doe@x.example"),
        ("<kim@네이버.한국>", "kim@xn--950bt9s8xi.xn--3e0b707e"),
        ("user@пример.рф", "user@xn--e1afmkfd.xn--p1ai"),
        ("ali@şirket.com.tr", "ali@xn--irket-idb.com.tr"),
        ("a@xn--bcher-kva.de", "a@xn--bcher-kva.de"),
        ("  spaced@Example.com.  ", "spaced@example.com"),
        ("+tagonly@example.com", "+tagonly@example.com"),
    ],
)
def test_normalize_address(raw: str, expected: str) -> None:
    assert normalize_address(raw) == expected


def test_unicode_and_punycode_domains_are_one_client() -> None:
    assert normalize_address("a@bücher.de") == normalize_address("A@XN--BCHER-KVA.DE")


def test_no_address_is_empty_and_garbage_is_stable() -> None:
    assert normalize_address("") == ""
    assert normalize_address("Undisclosed Recipients") == normalize_address(
        "undisclosed recipients"
    )


def test_label_idna_refuses_is_kept() -> None:
    long_label = "x" * 70
    assert normalize_address(f"a@{long_label}.com") == f"a@{long_label}.com"
