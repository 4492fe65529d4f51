"""What a run happened on: the CPU and the library versions that shape its results.

Shared by the training job (recorded in every release) and the benchmarks (in every results
file), so that figures from different machines can be told apart.
"""

from __future__ import annotations

import os
import platform
from importlib.metadata import version as package_version

PINNED_PACKAGES = ("torch", "transformers", "peft", "tokenizers", "numpy")
"""Libraries whose versions change the trained weights; pyproject.toml allows ranges."""


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def environment() -> dict[str, str]:
    """Library versions (a reproduction should use the same) and the CPU (training minutes
    are only comparable on similar hardware)."""
    return {
        "python": platform.python_version(),
        **{name: package_version(name) for name in PINNED_PACKAGES},
        "cpu": f"{cpu_model()} x{os.cpu_count()}",
    }
