"""Reply cleaning, one fixture file per cause of failure, in ko/ru/tr/en.

Each ``tests/fixtures/replies/<cause>.toml`` holds cases written for this project (shapes of
real clients' mail, learned from other parsers' suites, not copied from them): the text as a
mailer sends it and the expected new text, quoted text and signature, plus, where the quote
is dated, the date read from its attribution or header block.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from datetime import UTC
from pathlib import Path

import pytest

from service.mail.clean import find_attribution, split_reply
from service.mail.timing import parse_attribution_date

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "replies"
LANGUAGES = {"en", "ko", "ru", "tr"}


def load_cases() -> list[tuple[str, dict]]:
    """(cause file stem, case) for every case of every cause file."""
    cases = []
    for path in sorted(FIXTURES.glob("*.toml")):
        document = tomllib.loads(path.read_text(encoding="utf-8"))
        cases += [(path.stem, case) for case in document["case"]]
    return cases


CASES = load_cases()


def quoted_date(quoted: str) -> str | None:
    """ISO date of the quote's attribution as the message builder reads it (UTC when unnamed)."""
    found = find_attribution(quoted)
    if found is None:
        return None
    parsed = parse_attribution_date(found.date_text, UTC, dayfirst=found.language != "en")
    return parsed.isoformat() if parsed else None


@pytest.mark.parametrize(("cause", "case"), CASES, ids=[f"{c}/{case['id']}" for c, case in CASES])
def test_case(cause: str, case: dict) -> None:
    new, quoted, signature = split_reply(case["text"])
    assert (new, quoted, signature) == (case["new"], case["quoted"], case["signature"])
    if "date" in case:
        assert quoted_date(quoted) == case["date"]


def test_every_cause_has_cases_in_every_language() -> None:
    per_cause: dict[str, Counter[str]] = {}
    for cause, case in CASES:
        per_cause.setdefault(cause, Counter())[case["lang"]] += 1
    assert len(per_cause) >= 12
    for cause, counts in per_cause.items():
        assert set(counts) == LANGUAGES, cause


def test_case_ids_are_unique_and_name_their_language() -> None:
    ids = [case["id"] for _, case in CASES]
    assert len(ids) == len(set(ids))
    assert all(case["id"].startswith(f"{case['lang']}-") for _, case in CASES)
