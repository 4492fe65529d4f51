"""Catalogs are complete and well-formed in every language, and the domain's words (risk
reasons, advice) come out right, plural forms included."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from service.config import REPO_ROOT
from service.dashboard.advice import ENDING_STEPS, LABEL_ADVICE, REPAIR_STEPS, advice_for
from service.dashboard.i18n import (
    LOCALES_DIR,
    Formats,
    accepted_languages,
    choose_locale,
    translations,
)
from service.dashboard.wording import reason_text
from service.risk.assess import Reason, RiskAssessment
from service.risk.policy import RiskLevel

TRANSLATED = ("ko", "ru", "tr")
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "Np_": (1, 2)}


def singular(msgid: str | tuple[str, ...]) -> str:
    return msgid if isinstance(msgid, str) else msgid[0]


def extracted() -> dict[str, tuple[str, ...]]:
    """Every msgid (singular -> all its forms) in the templates and the dashboard's code,
    found by pybabel's own extraction with the project's map (service/dashboard/babel.cfg)."""
    method_map = [
        ("service/dashboard/**.py", "python"),
        ("service/dashboard/templates/**.html", "jinja2"),
    ]
    options = {"service/dashboard/templates/**.html": TEMPLATE_OPTIONS}
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        REPO_ROOT, method_map, options_map=options, keywords=KEYWORDS
    ):
        forms = (message,) if isinstance(message, str) else tuple(message)
        found[forms[0]] = forms
    return found


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_message_is_translated(locale: str) -> None:
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    catalog = read_po(path.open("rb"), locale=locale)
    wanted = extracted()
    assert len(wanted) > 150
    problems = []
    for key, forms in wanted.items():
        entry = catalog.get(key)
        strings = () if entry is None else entry.string
        strings = (strings,) if isinstance(strings, str) else tuple(strings)
        if not strings or not all(strings) or entry.fuzzy:
            problems.append(("untranslated", key))
            continue
        source = set(PLACEHOLDER.findall(forms[-1]))
        for text in strings:
            used = set(PLACEHOLDER.findall(text))
            # a plural form may leave the number out ("one" forms), never invent a name
            if not used <= source | {"num"} or (len(forms) == 1 and used != source):
                problems.append(("placeholders", key, text))
    stale = [singular(m.id) for m in catalog if m.id and singular(m.id) not in wanted]
    assert problems == [] and stale == []  # `pybabel update` adds new ids and drops stale ones


def test_russian_plural_forms_are_chosen_by_number() -> None:
    tr = translations("ru")
    forms = [
        tr.ngettext("%(num)s client", "%(num)s clients", n) % {"num": n} for n in (1, 3, 5, 21)
    ]
    assert forms == ["1 клиент", "3 клиента", "5 клиентов", "21 клиент"]


REASONS = [
    Reason("immediate", {"label": "abuse", "count": 2, "days": 90, "latest": date(2026, 5, 29)}),
    *(
        Reason("signal", {"label": label, "count": n, "days": 90, "repeated": n > 1})
        for label in ("pessimism", "unreasonable_demand", "slow_response")
        for n in (1, 3)
    ),
    Reason("silence", {"since": date(2026, 5, 22), "days": 10}),
    Reason("red_immediate", {"labels": ["abuse"]}),
    Reason("red_points", {"points": 6, "red_from": 6}),
    Reason("amber_points", {"points": 3, "red_from": 6}),
    Reason("green_isolated", {"amber_from": 3}),
    Reason("green_clear", {"days": 90}),
]


@pytest.mark.parametrize("locale", ["en", *TRANSLATED])
def test_every_reason_reads_in_every_language(locale: str) -> None:
    fmt = Formats(locale, ZoneInfo("UTC"))
    texts = [reason_text(reason, translations(locale), fmt) for reason in REASONS]
    assert all(texts) and len(set(texts)) == len(texts)
    assert not any("%(" in text for text in texts)
    assert fmt.date(date(2026, 5, 29)) in texts[0] and "2" in texts[0]
    if locale == "en":
        assert texts[0].startswith("Abuse in 2 messages in the last 90 days (latest May 29, 2026)")
        assert texts[2] == "Repeated pessimism: 3 messages in the last 90 days."
    if locale == "ru":
        assert "3 письма" in texts[2] and "10 дней" in texts[7]


def test_accept_language_negotiation() -> None:
    assert accepted_languages("ru-RU,ru;q=0.9,en-US;q=0.8") == ["ru", "ru", "en"]
    assert accepted_languages("en;q=0.1, tr") == ["tr", "en"]
    assert accepted_languages("ko;q=0, *;q=0.5") == ["*"]
    assert choose_locale(None, "de-DE,de;q=0.9,tr;q=0.5") == "tr"
    assert choose_locale("ru", "ko") == "ru" and choose_locale("xx", None) == "en"


def test_advice_is_tied_to_the_reasons() -> None:
    abuse = RiskAssessment(RiskLevel.RED, 2, [REASONS[0], REASONS[4], REASONS[8]], {"abuse": 1})
    advice = advice_for(abuse)
    assert advice is not None and advice.repair == () and advice.ending == ENDING_STEPS
    expected = [LABEL_ADVICE["abuse"], LABEL_ADVICE["unreasonable_demand"]]
    assert [text for text, _ in advice.targeted] == expected
    slow = RiskAssessment(
        RiskLevel.AMBER, 3, [REASONS[5], REASONS[7], REASONS[11]], {"slow_response": 3}
    )
    advice = advice_for(slow)
    assert advice is not None and advice.repair == REPAIR_STEPS
    assert [text for text, _ in advice.targeted] == [LABEL_ADVICE["slow_response"]]  # said once
    assert advice_for(RiskAssessment(RiskLevel.GREEN, 0, [REASONS[-1]])) is None


def test_the_catalogs_are_the_only_translation_source() -> None:
    compiled = list(Path(LOCALES_DIR).rglob("*.mo"))
    assert compiled == []  # compiled in memory from the .po files at first use
