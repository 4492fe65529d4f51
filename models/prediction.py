"""What classification takes and gives, without the network: inputs, results, the interface.

Storage, the worker and the API import these types; only :mod:`models.classifier` (loaded when
something actually classifies) imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from models.registry import ReleaseInfo

Evidence = dict[str, list[dict]]
"""Per fired label, the sentences that carry it: ``[{"sentence", "score"}, ...]``."""


@dataclass(frozen=True)
class ClassifyInput:
    """One message to classify: its new text (quotes and signature already removed)."""

    id: str
    text: str
    subject: str = ""


@dataclass
class ClassifyResult:
    """What the model says about one message, in the shape the CLI prints and the API serves."""

    id: str
    language: str
    labels: list[str]
    scores: dict[str, float]
    evidence: Evidence = field(default_factory=dict)
    language_iso: str = "und"
    release: str = ""

    def to_json_dict(self) -> dict:
        return {
            "id": self.id,
            "language": self.language,
            "labels": self.labels,
            "scores": self.scores,
            "evidence": self.evidence,
        }


class TextClassifier(Protocol):
    """A loaded release as the pipeline uses it (``models.classifier.Classifier``, or a fake)."""

    info: ReleaseInfo
    precision: str

    @property
    def version(self) -> str: ...

    def score_texts(self, texts: Sequence[str]) -> np.ndarray:
        """One row of per-label scores per text."""
        ...

    def decide(self, scores: np.ndarray, language: str) -> list[str]:
        """The labels a score row fires in ``language``."""
        ...

    def evidence(self, texts: Sequence[str], fired: Sequence[list[str]]) -> list[Evidence]:
        """Per text, the sentences behind each fired label."""
        ...
