"""The one loading path for the base encoder, shared by the service, training and tests."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from functools import lru_cache
from pathlib import Path

import torch
import transformers
from transformers import (
    AutoModel,
    AutoTokenizer,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    PreTrainedTokenizerFast,
)

from models.base import resolve_base_model
from models.config import ModelConfig

logger = logging.getLogger(__name__)


@lru_cache(maxsize=2)
def base_model_path(base_model: str, cache_dir: Path) -> str:
    """``base_model`` resolved to a loadable path or hub id (building the offline copy)."""
    return resolve_base_model(base_model, cache_dir)


TOKENIZER_SOURCES = ("tokenizer.json", "tokenizer_config.json")
"""The files a tokenizer directory defines it with (the key of its prepared copy)."""

PREPARED_INIT = ("model_max_length", "padding_side", "truncation_side")
"""Tokenizer attributes besides the special tokens that the prepared copy must keep."""

PREPARED_INIT_FILE = "init.json"


def load_tokenizer(config: ModelConfig) -> PreTrainedTokenizerBase:
    """The XLM-R tokenizer of the base encoder.

    transformers builds it by parsing ``tokenizer.json`` twice and converting it in Python,
    about 5 s here and a third of the service's start-up. The converted pipeline is kept in
    ``<cache_dir>/tokenizers/`` (keyed by the source files and the transformers version) and
    later loads read it natively, in about 1 s, with the very same token ids.
    """
    path = base_model_path(config.base_model, config.cache_dir)
    prepared = prepared_tokenizer_path(Path(path), config.cache_dir)
    if prepared is not None and (prepared / PREPARED_INIT_FILE).is_file():
        try:
            return load_prepared_tokenizer(prepared)
        except Exception as exc:  # any damage to a cache must only cost its speed-up
            logger.warning("prepared tokenizer unreadable; rebuilding", extra={"error": str(exc)})
            shutil.rmtree(prepared, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if prepared is not None and isinstance(tokenizer, PreTrainedTokenizerFast):
        save_prepared_tokenizer(tokenizer, prepared)
    return tokenizer


def prepared_tokenizer_path(directory: Path, cache_dir: Path) -> Path | None:
    """Where the prepared copy of ``directory``'s tokenizer lives (``None``: a hub id)."""
    if not all((directory / name).is_file() for name in TOKENIZER_SOURCES):
        return None
    digest = hashlib.sha256(transformers.__version__.encode())
    for name in TOKENIZER_SOURCES:
        digest.update((directory / name).read_bytes())
    return cache_dir / "tokenizers" / digest.hexdigest()[:32]


def save_prepared_tokenizer(tokenizer: PreTrainedTokenizerFast, path: Path) -> None:
    """Write the converted pipeline and its settings into a folder renamed into place (a
    concurrent writer simply loses the race); a read-only cache only costs the speed-up."""
    init = {name: getattr(tokenizer, name) for name in PREPARED_INIT}
    staging = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        staging.mkdir(parents=True, exist_ok=True)
        tokenizer.backend_tokenizer.save(str(staging / TOKENIZER_SOURCES[0]))
        init_json = json.dumps({**init, **tokenizer.special_tokens_map})
        (staging / PREPARED_INIT_FILE).write_text(init_json, encoding="utf-8")
        staging.rename(path)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        logger.warning("tokenizer cache not written", extra={"path": str(path), "error": str(exc)})


def load_prepared_tokenizer(path: Path) -> PreTrainedTokenizerFast:
    init = json.loads((path / PREPARED_INIT_FILE).read_text(encoding="utf-8"))
    return PreTrainedTokenizerFast(tokenizer_file=str(path / TOKENIZER_SOURCES[0]), **init)


def load_encoder(config: ModelConfig) -> PreTrainedModel:
    """The bare encoder (no pooler: e5 is used with mean pooling)."""
    path = base_model_path(config.base_model, config.cache_dir)
    return AutoModel.from_pretrained(path, add_pooling_layer=False)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token states that are not padding, as e5 was trained to be used."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
