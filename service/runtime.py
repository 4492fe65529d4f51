"""The loaded classifier, swappable without downtime.

The API and the worker read :attr:`ClassifierHolder.current` for each batch; a reload (SIGHUP,
``POST /v1/admin/reload-model``) builds the new release completely, then replaces the reference
in one assignment, so in-flight batches finish on the release they started with and every flag
records the release that actually produced it.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable

from models.prediction import TextClassifier
from service.config import Settings

logger = logging.getLogger(__name__)

ClassifierLoader = Callable[[str | None], TextClassifier]
"""``loader(version)`` -> a classifier (``None`` = the release ``current`` names)."""


def service_loader(settings: Settings) -> ClassifierLoader:
    """The production loader: pins torch threads (the API and worker share few cores); or the
    loader ``TRIAGE_CLASSIFIER_LOADER`` names."""
    if settings.classifier_loader:
        module, _, function = settings.classifier_loader.partition(":")
        return getattr(importlib.import_module(module), function)

    def load(version: str | None) -> TextClassifier:
        import torch  # here, not at import: API-only nodes and commands never load it

        from models.classifier import load_classifier

        torch.set_num_threads(max(1, settings.torch_threads or 1))
        return load_classifier(version, settings.classifier_config())

    return load


class ClassifierHolder:
    """Holds the current classifier; loads and swaps atomically; remembers the last error."""

    def __init__(self, loader: ClassifierLoader) -> None:
        self._loader = loader
        self._current: TextClassifier | None = None
        self._lock = threading.Lock()  # one load at a time; readers never take it
        self.error: str | None = None
        self.loaded = threading.Event()

    @property
    def current(self) -> TextClassifier | None:
        return self._current

    @property
    def version(self) -> str | None:
        return self._current.version if self._current is not None else None

    def reload(self, version: str | None = None) -> str:
        """Load ``version`` (default: ``current``) and swap it in; raises if loading fails."""
        with self._lock:
            try:
                classifier = self._loader(version)
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                logger.error("model load failed", extra={"error": self.error})
                raise
            previous, self._current = self.version, classifier
            self.error = None
            self.loaded.set()
        logger.info(
            "model loaded",
            extra={
                "release": self.version,
                "previous": previous,
                "precision": classifier.precision,
            },
        )
        return str(self.version)

    def try_reload(self, version: str | None = None) -> bool:
        """:meth:`reload` for background use: failures are logged and kept in ``error``."""
        try:
            self.reload(version)
        except Exception:
            return False
        return True

    def reload_in_background(self, version: str | None = None) -> threading.Thread:
        thread = threading.Thread(
            target=self.try_reload, args=(version,), name="model-loader", daemon=True
        )
        thread.start()
        return thread
