"""A fast stand-in classifier: the service tests' model, in-process and in real processes.

Tests in-process use :class:`FakeClassifier` directly (conftest). Real ``triage serve`` and
``triage worker`` processes load it through ``TRIAGE_CLASSIFIER_LOADER=fake_model:load`` with
``tests/service`` on ``PYTHONPATH``, so crash tests never load the real model;
``TRIAGE_TEST_CLASSIFY_SECONDS`` makes each batch take that long (a window to kill a worker
in the middle of one).
"""

from __future__ import annotations

import os
import threading
import time
from types import SimpleNamespace

import numpy as np

from models.labels import LABELS

KEYWORDS: dict[str, tuple[str, ...]] = {
    "abuse": ("idiot", "incompetent", "тупые", "멍청"),
    "pessimism": ("never work", "pointless", "бесполезно"),
    "unreasonable_demand": ("by tomorrow", "for free", "бесплатно"),
    "slow_response": ("sorry for the late", "weeks late"),
}
"""What the fake classifier "detects": a keyword per label, case-insensitive."""


class FakeClassifier:
    """Same interface as ``models.classifier.Classifier`` as far as ``classify_batch`` uses it.

    Records every text it scored (to prove nothing is classified twice); ``fail_on`` raises for
    texts containing it; ``delay`` slows every call (to make workers overlap).
    """

    def __init__(self, version: str = "fake-1", fail_on: str | None = None, delay: float = 0.0):
        self.version = version
        self.info = SimpleNamespace(labels=list(LABELS))
        self.precision = "fp32"
        self.fail_on = fail_on
        self.delay = delay
        self.seen: list[str] = []
        self._lock = threading.Lock()

    def score_texts(self, texts: list[str]) -> np.ndarray:
        if self.delay:
            time.sleep(self.delay)
        if self.fail_on and any(self.fail_on in t for t in texts):
            raise RuntimeError("model exploded")
        with self._lock:
            self.seen.extend(texts)
        return np.array(
            [
                [0.9 if any(k in t.lower() for k in KEYWORDS[label]) else 0.1 for label in LABELS]
                for t in texts
            ],
            dtype=np.float32,
        ).reshape(len(texts), len(LABELS))

    def decide(self, row: np.ndarray, language: str) -> list[str]:
        return [label for label, s in zip(LABELS, row, strict=True) if s >= 0.5]

    def evidence(self, texts: list[str], fired: list[list[str]]) -> list[dict]:
        return [
            {label: [{"sentence": t.strip()[:120], "score": 0.9}] for label in labels}
            for t, labels in zip(texts, fired, strict=True)
        ]


def load(version: str | None = None) -> FakeClassifier:
    """``TRIAGE_CLASSIFIER_LOADER`` entry point for real service processes."""
    delay = float(os.environ.get("TRIAGE_TEST_CLASSIFY_SECONDS", "0"))
    return FakeClassifier(version or "fake-1", delay=delay)
