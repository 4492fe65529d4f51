"""The one loading path for the base encoder, shared by the service, training and tests."""

from __future__ import annotations

from functools import lru_cache

import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from models.base import resolve_base_model
from service.config import get_settings


@lru_cache(maxsize=2)
def base_model_path(base_model: str | None = None) -> str:
    """``TRIAGE_BASE_MODEL`` resolved to a loadable path or hub id (building the offline copy)."""
    settings = get_settings()
    return resolve_base_model(base_model or settings.base_model, settings.cache_dir)


def load_tokenizer(base_model: str | None = None) -> PreTrainedTokenizerBase:
    """The XLM-R tokenizer of the base encoder."""
    return AutoTokenizer.from_pretrained(base_model_path(base_model))


def load_encoder(base_model: str | None = None) -> PreTrainedModel:
    """The bare encoder (no pooler: e5 is used with mean pooling)."""
    return AutoModel.from_pretrained(base_model_path(base_model), add_pooling_layer=False)


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Average the token states that are not padding, as e5 was trained to be used."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
