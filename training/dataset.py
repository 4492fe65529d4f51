"""The labelled corpus in ``datasets/corpus/<lang>.jsonl``: loading, splits, label matrices.

Splits are fixed by a stable hash of the record id (never by position), so adding records
never moves an existing one to another split.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from models.labels import LABELS
from models.paths import REPO_ROOT

CORPUS_DIR = REPO_ROOT / "datasets" / "corpus"
SPLITS = ("train", "dev", "test")
SPLIT_BOUNDS = (70, 85)
"""sha256(id) mod 100 below 70 -> train, below 85 -> dev, else test (70/15/15)."""
REQUIRED_FIELDS = ("id", "language", "subject", "text", "labels", "hard_negative", "provenance")


@dataclass(frozen=True)
class Record:
    """One labelled message; ``subject`` and ``text`` are what the model reads."""

    id: str
    language: str
    subject: str
    text: str
    labels: tuple[str, ...]
    hard_negative: bool
    provenance: str
    trade: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def split(self) -> str:
        return split_of(self.id)

    def label_vector(self) -> np.ndarray:
        return np.array([label in self.labels for label in LABELS], dtype=np.float32)


def split_of(record_id: str) -> str:
    """Stable split assignment from the id alone."""
    bucket = int(hashlib.sha256(record_id.encode("utf-8")).hexdigest(), 16) % 100
    if bucket < SPLIT_BOUNDS[0]:
        return "train"
    return "dev" if bucket < SPLIT_BOUNDS[1] else "test"


def record_from_json(data: dict) -> Record:
    """Build a record; raises ``KeyError`` on a missing field (the validator reports it)."""
    known = set(REQUIRED_FIELDS) | {"trade"}
    return Record(
        id=str(data["id"]),
        language=str(data["language"]),
        subject=str(data["subject"] or ""),
        text=str(data["text"]),
        labels=tuple(data["labels"]),
        hard_negative=bool(data["hard_negative"]),
        provenance=str(data["provenance"]),
        trade=str(data.get("trade", "")),
        extra={k: v for k, v in data.items() if k not in known},
    )


def iter_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    """(line number, object) for every non-empty line; JSON errors propagate with the line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, json.loads(line)


def corpus_files(corpus_dir: Path = CORPUS_DIR) -> list[Path]:
    return sorted(corpus_dir.glob("*.jsonl"))


def load_records(paths: Iterable[Path] | None = None) -> list[Record]:
    """All records of the given JSONL files (default: the project corpus)."""
    paths = corpus_files() if paths is None else paths
    return [record_from_json(obj) for path in paths for _, obj in iter_jsonl(path)]


def select(records: Iterable[Record], split: str) -> list[Record]:
    return [r for r in records if r.split == split]


def files_digest(paths: Iterable[Path]) -> dict[str, str]:
    """sha256 per data file, recorded in model cards so a release names the data it saw.

    Keyed by the path inside the repository (``datasets/corpus/en.jsonl``), or the absolute path
    of a file outside it: ``corpus/en.jsonl`` and ``incoming/en.jsonl`` must not share a key.
    """
    return {_shown(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _shown(path: Path) -> str:
    resolved = path.resolve()
    return (
        str(resolved.relative_to(REPO_ROOT))
        if resolved.is_relative_to(REPO_ROOT)
        else str(resolved)
    )
