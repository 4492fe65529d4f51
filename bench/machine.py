"""Describe the machine a benchmark ran on, so results from different runs can be compared."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime

from training.environment import cpu_model


def describe() -> str:
    """One Markdown line: date, CPU, cores, memory, Python and torch versions."""
    try:
        import torch

        torch_version = torch.__version__
    except ImportError:
        torch_version = "not installed"
    pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    return (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {cpu_model()}; {os.cpu_count()} cores; "
        f"{pages / 2**30:.0f} GiB RAM; Python {platform.python_version()}; torch {torch_version}"
    )
