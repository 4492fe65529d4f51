"""Behaviour of the language detector on hand-picked mail (no ../shared data needed)."""

from __future__ import annotations

import io
import json

import pytest

from service.commands.detect_language import detect_lines
from service.language import LanguageResult, detect_language

SHORT_REPLIES = [
    ("ок, спасибо", "ru"),
    ("Хорошо, жду ответа", "ru"),
    ("tamam abi", "tr"),
    ("tesekkurler, yarin gorusuruz", "tr"),  # Turkish typed without diacritics
    ("Teşekkürler, yarın görüşürüz", "tr"),
    ("네 확인했습니다", "ko"),
    ("ok thanks", "en"),
    ("Thanks, I will check and get back to you tomorrow", "en"),
]

NOT_OURS = [
    ("Дякую, ми отримали рахунок і сплатимо його до п'ятниці.", "uk"),
    ("Благодаря, получихме фактурата и ще я платим до петък.", "bg"),
    ("Рахмет, біз шот-фактураны алдық және оны жұмаға дейін төлейміз.", "kk"),
    ("Təşəkkür edirəm, fakturanı aldıq və cümə gününə qədər ödəyəcəyik.", "az"),
    ("Vielen Dank, wir haben die Rechnung erhalten und zahlen sie bis Freitag.", "de"),
    ("Gracias, hemos recibido la factura y la pagaremos antes del viernes.", "es"),
]


@pytest.mark.parametrize(("text", "expected"), SHORT_REPLIES)
def test_short_replies_in_supported_languages(text: str, expected: str) -> None:
    result = detect_language(text)
    assert (result.language, result.iso) == (expected, expected)
    assert 0.5 < result.confidence <= 1.0


@pytest.mark.parametrize(("text", "iso"), NOT_OURS)
def test_neighbouring_languages_are_other_with_their_iso(text: str, iso: str) -> None:
    result = detect_language(text)
    assert result.language == "other"
    assert result.iso == iso
    assert result.shares["other"] == pytest.approx(1.0)


def test_korean_mail_with_english_product_names_is_korean_with_shares() -> None:
    text = "안녕하세요, MacBook Pro 16 주문 건으로 연락드립니다. 배송 일정 확인 부탁드립니다."
    result = detect_language(text)
    assert result.language == "ko"
    assert 0.5 < result.shares["ko"] < 1.0
    assert result.shares["ko"] + result.shares["en"] + result.shares["other"] == pytest.approx(1)
    assert sum(result.shares.values()) == pytest.approx(1.0, abs=1e-3)


def test_turkish_mail_with_english_terms_is_turkish() -> None:
    text = (
        "Merhaba, geçen haftaki invoice hâlâ ödenmedi ve delivery schedule konusunda "
        "hiçbir bilgi alamadık. Lütfen en kısa sürede dönüş yapın."
    )
    result = detect_language(text)
    assert result.language == "tr"
    assert result.shares["tr"] > 0.6


def test_turkish_in_the_wrong_code_page_is_still_turkish() -> None:
    # Windows-1254 mail decoded as Windows-1252: ı, ş, ğ arrive as ý, þ, ð.
    assert detect_language("Toplantýyý yarýna erteledik, bilginize sunarýz.").language == "tr"


def test_urls_addresses_and_numbers_do_not_sway_it() -> None:
    text = (
        "Счёт № 2024-117 во вложении: https://portal.example.com/invoices/2024/117?lang=en "
        "пишите на billing-team@example.com"
    )
    result = detect_language(text)
    assert result.language == "ru"


@pytest.mark.parametrize("text", ["", "   ", "12345 !!! ---", "https://example.com/a/b"])
def test_text_without_letters_is_undetermined(text: str) -> None:
    result = detect_language(text)
    assert (result.language, result.iso, result.confidence) == ("other", "und", 0.0)
    assert set(result.shares) == {"ko", "ru", "tr", "en", "other"}
    assert sum(result.shares.values()) == 0.0


def test_other_scripts_get_their_iso() -> None:
    assert detect_language("Ευχαριστώ πολύ για την απάντηση").iso == "el"
    assert detect_language("ご確認ありがとうございます").iso == "ja"


def test_deterministic_and_frozen() -> None:
    text = "спасибо, получили"
    first = detect_language(text)
    assert all(detect_language(text) == first for _ in range(5))
    assert isinstance(first, LanguageResult)
    with pytest.raises(AttributeError):
        first.language = "en"  # type: ignore[misc]


def test_cli_writes_one_result_per_line_and_reports_bad_lines() -> None:
    lines = [
        json.dumps({"id": 1, "text": "ок, спасибо"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "b", "text": "네 확인했습니다"}, ensure_ascii=False),
        json.dumps({"id": 3}),
        "",
    ]
    out, err = io.StringIO(), io.StringIO()
    bad = detect_lines(lines, out, err)
    records = [json.loads(x) for x in out.getvalue().splitlines()]
    assert bad == 2
    assert [(r["id"], r["language"]) for r in records] == [(1, "ru"), ("b", "ko")]
    assert set(records[0]) >= {"id", "language", "confidence", "shares"}
    assert "line 2" in err.getvalue() and "line 4" in err.getvalue()


def test_cli_entry_point_reads_a_file(tmp_path, capsys) -> None:
    from service.cli import main

    source = tmp_path / "mail.jsonl"
    source.write_text(json.dumps({"id": "x", "text": "tamam abi"}) + "\n", encoding="utf-8")
    assert main(["detect-language", str(source)]) == 0
    record = json.loads(capsys.readouterr().out)
    assert (record["id"], record["language"]) == ("x", "tr")


SHARED_LETTERS = [
    # Every letter is shared by Russian, Bulgarian and Macedonian: the word lexicon decides.
    ("Директор спит.", "ru"),
    ("Установите с ним диалог.", "ru"),
    ("Ждём макет к пятнице.", "ru"),
    ("Договорът е подписан вчера.", "bg"),
    ("Добър ден, как сте?", "bg"),
    ("Добар ден, како сте?", "mk"),
]


@pytest.mark.parametrize(("text", "iso"), SHARED_LETTERS)
def test_short_cyrillic_text_is_decided_by_its_words(text: str, iso: str) -> None:
    assert detect_language(text).iso == iso


def test_lexicon_columns_match_the_character_model() -> None:
    from service.language import _model

    model = _model()
    assert set(model.lexicons) <= set(model.scripts)
    for script, lexicon in model.lexicons.items():
        assert lexicon.table.shape == (len(lexicon.index) + 1, len(model.scripts[script].languages))
        russian = model.scripts[script].languages.index("ru")
        assert lexicon.table[lexicon.index["спасибо"], russian] < lexicon.table[-1, russian]


def test_lexicon_rebuilds_byte_identically(tmp_path) -> None:
    pytest.importorskip("wordfreq")  # build-time tool, in the bench extra
    from service.language import LEXICON_PATH
    from tools.lexicon_build import build, save

    rebuilt = tmp_path / "lexicon.npz"
    save(build(), rebuilt)
    assert rebuilt.read_bytes() == LEXICON_PATH.read_bytes()
