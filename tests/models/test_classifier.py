"""Classifier mechanics: windows never drop text, releases round-trip, promote and roll back."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from models.classifier import (
    TriageModel,
    Windower,
    add_lora,
    load_classifier,
    save_release,
)
from models.config import ModelConfig
from models.encoder import load_encoder, load_tokenizer
from models.labels import LABELS
from models.registry import ReleaseInfo, Thresholds, release_dir, rollback, set_current
from models.text import split_sentences


@pytest.fixture(scope="module")
def windower() -> Windower:
    return Windower(load_tokenizer(ModelConfig()), max_length=32, overlap=8)


def test_long_text_becomes_overlapping_windows_covering_every_token(windower: Windower) -> None:
    text = " ".join(f"word{i}" for i in range(200))
    content = windower.tokenizer(text, add_special_tokens=False)["input_ids"]
    windows = windower.windows(text)
    assert len(windows) > 1
    assert all(len(w) <= 32 for w in windows)
    covered = [t for w in windows for t in w[1 + len(windower.prefix) : -1]]
    assert set(covered) == set(content)
    assert windows[-1][-2] == content[-1]


def test_short_text_is_one_window(windower: Windower) -> None:
    assert len(windower.windows("네 확인했습니다")) == 1
    assert len(windower.windows("")) == 1


def test_sentence_split_handles_mail_punctuation() -> None:
    text = "Hi Sam,\nThe logo is wrong. Fix it!!! Why?\n\n감사합니다。 다음 주에 뵐게요"
    assert split_sentences(text) == [
        "Hi Sam,",
        "The logo is wrong.",
        "Fix it!!!",
        "Why?",
        "감사합니다。",
        "다음 주에 뵐게요",
    ]


def test_language_thresholds_override_defaults() -> None:
    thresholds = Thresholds({k: 0.5 for k in LABELS}, {"ko": {"abuse": 0.3}})
    assert thresholds.for_language("ko")["abuse"] == 0.3
    assert thresholds.for_language("other")["abuse"] == 0.5


@pytest.fixture(scope="module")
def tiny_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A randomly initialised LoRA release: enough to test saving, loading and pointers."""
    torch.manual_seed(0)
    releases = tmp_path_factory.mktemp("releases")
    model = TriageModel(add_lora(load_encoder(ModelConfig()), rank=2, alpha=4, dropout=0.0))
    for version in ("r1", "r2"):
        info = ReleaseInfo(version, list(LABELS), Thresholds({k: 0.5 for k in LABELS}))
        save_release(model.eval(), info, releases / version)
    return releases


def test_release_round_trip_gives_the_same_scores(tiny_release: Path) -> None:
    merged = load_classifier("r1", ModelConfig(releases_dir=tiny_release))
    unmerged = load_classifier("r1", ModelConfig(releases_dir=tiny_release), merge=False)
    texts = ["You useless idiot.", "Спасибо, всё получили."]
    np.testing.assert_allclose(merged.score_texts(texts), unmerged.score_texts(texts), atol=1e-4)
    assert merged.score_texts(texts).shape == (2, len(LABELS))


def test_release_is_small(tiny_release: Path) -> None:
    size = sum(p.stat().st_size for p in (tiny_release / "r1").rglob("*") if p.is_file())
    assert size < 10_000_000


def test_promote_and_rollback(tiny_release: Path) -> None:
    with pytest.raises(FileNotFoundError):
        release_dir(tiny_release)
    assert set_current(tiny_release, "r1") is None
    assert set_current(tiny_release, "r2") == "r1"
    assert release_dir(tiny_release).name == "r2"
    assert rollback(tiny_release) == "r1"
    assert release_dir(tiny_release).name == "r1"
    with pytest.raises(FileNotFoundError):
        set_current(tiny_release, "missing")


def test_length_batches_cap_count_and_padded_tokens() -> None:
    from models.classifier import length_batches

    lengths = [10, 200, 12, 50, 11, 190, 13, 300]
    batches = length_batches(lengths, max_count=3, max_tokens=400)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        widths = [lengths[i] for i in batch]
        assert widths == sorted(widths)
        assert len(batch) <= 3
        assert len(batch) == 1 or len(batch) * max(widths) <= 400
    assert [lengths[i] for i in batches[-1]] == [300]  # too long to share: alone
    assert length_batches([], 3, 400) == []


PROBES = [
    "Are you actually this thick? Redo it by tomorrow, for free.",
    "Спасибо, макет получили, всё отлично.",
    "Tasarımı aldık, her şey harika, teşekkürler.",
]


@pytest.fixture(scope="module")
def fp32_scores() -> np.ndarray:
    from models.classifier import load_classifier

    return load_classifier(config=ModelConfig(precision="fp32")).score_texts(PROBES)


def test_int8_path_quantizes_all_but_the_feed_forward_outputs_and_stays_close(
    fp32_scores: np.ndarray,
) -> None:
    from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

    from models.classifier import load_classifier

    int8 = load_classifier(config=ModelConfig(precision="int8"))
    layers = dict(int8.model.encoder.named_modules())
    assert type(layers["encoder.layer.0.output.dense"]) is torch.nn.Linear
    assert isinstance(layers["encoder.layer.0.attention.output.dense"], DynamicInt8Linear)
    assert isinstance(layers["encoder.layer.11.intermediate.dense"], DynamicInt8Linear)
    np.testing.assert_allclose(int8.score_texts(PROBES), fp32_scores, atol=0.1)
    with pytest.raises(ValueError, match="precision"):
        load_classifier(config=ModelConfig(precision="fp16"))


def test_bf16_path_casts_the_encoder_keeps_the_head_fp32_and_stays_close(
    fp32_scores: np.ndarray,
) -> None:
    from models.classifier import load_classifier

    bf16 = load_classifier(config=ModelConfig(precision="bf16"))
    assert bf16.precision == "bf16"
    assert next(bf16.model.encoder.parameters()).dtype == torch.bfloat16
    assert bf16.model.head.weight.dtype == torch.float32
    scores = bf16.score_texts(PROBES)
    assert scores.dtype == np.float32
    np.testing.assert_allclose(scores, fp32_scores, atol=0.05)


@pytest.mark.parametrize(("native", "expected"), [(True, "bf16"), (False, "fp32")])
def test_auto_precision_uses_bf16_only_where_the_cpu_has_it(
    monkeypatch: pytest.MonkeyPatch, native: bool, expected: str
) -> None:
    import models.classifier as classifier

    monkeypatch.setattr(classifier, "native_bf16", lambda: native)
    assert classifier.resolve_precision("auto") == expected
    assert classifier.resolve_precision("int8") == "int8"
