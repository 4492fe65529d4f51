"""The release registry: which releases exist, which one ``current`` names, promotion history.

Torch-free on purpose: ``triage release``, the API's readiness answer and the dashboard read it
without paying for the network code's imports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CURRENT_POINTER = "current"
HISTORY_FILE = "HISTORY"
RELEASE_FILE = "release.json"
HEAD_FILE = "head.safetensors"
ADAPTER_DIR = "adapter"


@dataclass
class Thresholds:
    """Per-label decision thresholds, optionally overridden per language."""

    default: dict[str, float]
    per_language: dict[str, dict[str, float]] = field(default_factory=dict)

    def for_language(self, language: str) -> dict[str, float]:
        return self.default | self.per_language.get(language, {})


@dataclass
class ReleaseInfo:
    """``release.json``: everything needed to rebuild inference exactly as trained."""

    version: str
    labels: list[str]
    thresholds: Thresholds
    max_length: int = 256
    window_overlap: int = 64
    mode: str = "lora"
    base_model: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = self.__dict__ | {"thresholds": self.thresholds.__dict__}
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ReleaseInfo:
        data = json.loads(text)
        data["thresholds"] = Thresholds(**data["thresholds"])
        return cls(**data)

    @classmethod
    def read(cls, path: Path) -> ReleaseInfo:
        """The ``release.json`` of the release directory ``path``."""
        return cls.from_json((path / RELEASE_FILE).read_text(encoding="utf-8"))


def current_version(releases_dir: Path) -> str | None:
    """The release the ``current`` pointer names, or ``None`` when there is no pointer."""
    pointer = releases_dir / CURRENT_POINTER
    return pointer.read_text().strip() if pointer.exists() else None


def release_dir(releases_dir: Path, version: str | None = None) -> Path:
    """The directory of ``version``, or of the release the ``current`` pointer names."""
    if version is None:
        version = current_version(releases_dir)
        if version is None:
            raise FileNotFoundError(
                f"no current release: {releases_dir / CURRENT_POINTER} is missing"
            )
    path = releases_dir / version
    if not (path / RELEASE_FILE).exists():
        raise FileNotFoundError(f"release {version!r} not found under {releases_dir}")
    return path


def list_releases(releases_dir: Path) -> list[str]:
    """Every release directory (one holding a ``release.json``), sorted by name."""
    if not releases_dir.is_dir():
        return []
    return sorted(p.name for p in releases_dir.iterdir() if (p / RELEASE_FILE).exists())


def _history(releases_dir: Path) -> list[str]:
    path = releases_dir / HISTORY_FILE
    return path.read_text().split() if path.exists() else []


def set_current(releases_dir: Path, version: str) -> str | None:
    """Point ``current`` at ``version`` and log the promotion; returns the previous version."""
    release_dir(releases_dir, version)
    previous = current_version(releases_dir)
    history = _history(releases_dir)
    if not history and previous:
        history.append(previous)
    history.append(version)
    (releases_dir / HISTORY_FILE).write_text("\n".join(history) + "\n")
    (releases_dir / CURRENT_POINTER).write_text(version + "\n")
    return previous


def rollback(releases_dir: Path) -> str:
    """Undo the last promotion: ``current`` goes back to the release promoted before it."""
    history = _history(releases_dir)
    if len(history) < 2:
        raise RuntimeError("nothing to roll back to: fewer than two promotions recorded")
    history.pop()
    release_dir(releases_dir, history[-1])
    (releases_dir / HISTORY_FILE).write_text("\n".join(history) + "\n")
    (releases_dir / CURRENT_POINTER).write_text(history[-1] + "\n")
    return history[-1]
