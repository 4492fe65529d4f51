"""The short fuzzing run of CI: every target over its seeds, then seeds mutated by hypothesis
(byte flips, splices, truncations, random bytes). ``TRIAGE_FUZZ_EXAMPLES`` examples per target
(default 300); the coverage-guided long run is ``tests/fuzz/atheris_mail.py`` (README there).
A short atheris run also executes here when atheris is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from targets import TARGETS, seeds

EXAMPLES = int(os.environ.get("TRIAGE_FUZZ_EXAMPLES", "300"))
HERE = Path(__file__).resolve().parent


@st.composite
def mutated(draw: st.DrawFn, target: str) -> bytes:
    """A seed with a few byte-level mutations, or (rarely) bytes from nowhere."""
    pool = seeds(target)
    if not pool or draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(data)))
        operation = draw(st.integers(0, 3))
        if operation == 0:
            data[position:position] = draw(st.binary(min_size=1, max_size=64))
        elif operation == 1:
            del data[position : position + draw(st.integers(1, 256))]
        elif operation == 2 and data:
            data[min(position, len(data) - 1)] = draw(st.integers(0, 255))
        else:
            data = data[:position]
    return bytes(data)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_seeds_pass(target: str) -> None:
    for seed in seeds(target):
        TARGETS[target](seed)


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_mutated_input_never_crashes(target: str) -> None:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=mutated(target))
    def run(data: bytes) -> None:
        TARGETS[target](data)

    run()


@pytest.mark.parametrize("target", ["mime", "json"])
def test_short_coverage_guided_run(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    shutil.copytree(HERE / "corpus" / target, corpus)
    result = subprocess.run(
        [sys.executable, str(HERE / "atheris_mail.py"), target, str(corpus),
         "-runs=3000", "-max_total_time=60", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
