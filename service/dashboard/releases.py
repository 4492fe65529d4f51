"""What the dashboard shows about a model release: its decision thresholds (the review queue
ranks messages by their distance to them) and its quality figures (``metrics.json``).

Read through the torch-free release registry (:mod:`models.registry`): a page never loads the
model.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from models.labels import LABELS
from models.registry import RELEASE_FILE, ReleaseInfo, Thresholds

METRICS_FILE = "metrics.json"
FALLBACK_THRESHOLD = 0.5
"""For a release without ``release.json`` (tests' stand-ins): the sigmoid's midpoint."""


@dataclass(frozen=True)
class ReleaseFacts:
    version: str
    thresholds: Thresholds
    metrics: dict[str, Any] | None = None
    """Test-split precision/recall/F1 per label, per language and overall."""


def _fallback(version: str) -> ReleaseFacts:
    return ReleaseFacts(version, Thresholds({label: FALLBACK_THRESHOLD for label in LABELS}))


@lru_cache(maxsize=32)
def _load(directory: Path, version: str, _stamp: float) -> ReleaseFacts:
    try:
        info = ReleaseInfo.read(directory)
    except (OSError, ValueError, KeyError, TypeError):
        return _fallback(version)
    try:
        metrics = json.loads((directory / METRICS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        metrics = None
    defaults = {label: FALLBACK_THRESHOLD for label in LABELS} | info.thresholds.default
    return ReleaseFacts(version, Thresholds(defaults, info.thresholds.per_language), metrics)


def release_facts(releases_dir: Path, version: str | None) -> ReleaseFacts:
    """Facts of ``version`` (read again when its ``release.json`` changes)."""
    if not version:
        return _fallback("")
    directory = Path(releases_dir) / version
    try:
        stamp = (directory / RELEASE_FILE).stat().st_mtime
    except OSError:
        return _fallback(version)
    return _load(directory, version, stamp)


class ThresholdsCache:
    """Thresholds per (release, language) for one page: ranking thousands of review
    candidates must not read the release directory for each."""

    def __init__(self, releases_dir: Path) -> None:
        self._releases_dir = releases_dir
        self._found: dict[tuple[str | None, str | None], dict[str, float]] = {}

    def __call__(self, release: str | None, language: str | None) -> dict[str, float]:
        key = (release, language)
        if key not in self._found:
            facts = release_facts(self._releases_dir, release)
            self._found[key] = facts.thresholds.for_language(language or "")
        return self._found[key]
