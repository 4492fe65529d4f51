"""No Docker engine runs here: at least keep every path the Dockerfile copies real."""

from __future__ import annotations

import re

from models.paths import REPO_ROOT


def test_copied_paths_exist() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    sources = []
    for line in dockerfile.splitlines():
        match = re.match(r"COPY (?!--from)(.+) \S+$", line.strip())
        if match:
            sources += match.group(1).split()
    assert sources, "no COPY lines found"
    missing = [s for s in sources if not (REPO_ROOT / s).exists()]
    assert missing == []


def test_runs_as_non_root_with_healthcheck_and_cpu_torch() -> None:
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert "USER triage" in dockerfile
    assert "HEALTHCHECK" in dockerfile
    assert '"torch==2.13.0"' in dockerfile and "TORCH_INDEX_URL" in dockerfile
    assert dockerfile.count("FROM ") >= 2
