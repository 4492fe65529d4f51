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


VECTOR_FEATURES = (("avx2", "AVX2"), ("avx512f", "AVX-512"), ("amx_bf16", "AMX"))
"""CPU flags that change inference and training speed several-fold (AMX: hardware bf16)."""


def _first_cpu() -> dict[str, str]:
    """The first processor's block of ``/proc/cpuinfo`` (empty where there is none)."""
    fields: dict[str, str] = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    break
                key, _, value = line.partition(":")
                fields[key.strip()] = value.strip()
    except OSError:
        pass
    return fields


def cpu_model() -> str:
    """The CPU's name and its vector extensions: hosts that share a name ("Intel Xeon
    Processor") can still differ by AMX, with which bf16 inference runs 2.7x fp32's speed."""
    cpu = _first_cpu()
    name = cpu.get("model name") or platform.processor() or "unknown CPU"
    flags = set(cpu.get("flags", "").split())
    features = [label for flag, label in VECTOR_FEATURES if flag in flags]
    return f"{name} ({', '.join(features)})" if features else name


def environment() -> dict[str, str]:
    """Library versions (a reproduction should use the same) and the CPU (training minutes
    are only comparable on similar hardware)."""
    return {
        "python": platform.python_version(),
        **{name: package_version(name) for name in PINNED_PACKAGES},
        "cpu": f"{cpu_model()} x{os.cpu_count()}",
    }
