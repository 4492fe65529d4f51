"""Where the repository's folders are: the one definition of the repository root.

``models`` is the lowest layer (the service, training, tools and benchmarks all import it), so
the root is defined here and nowhere else.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RELEASES_DIR = REPO_ROOT / "models" / "releases"
"""The shipped releases; the file ``current`` in it names the one to serve."""
DATASETS_DIR = REPO_ROOT / "datasets"
SHARED_DIR = REPO_ROOT.parent / "shared"
"""Data every session and CI have beside the checkout (read by path, skipped when absent)."""
