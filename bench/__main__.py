"""Run every benchmark, one after another, each in its own process: ``python -m bench``.

One after another because they measure the same two cores: running them side by side would
make each figure a measure of the others. Each writes its Markdown table to ``bench/results/``;
a failing benchmark is reported and the others still run.

    .venv/bin/pip install -e '.[dev,bench]'
    .venv/bin/python -m bench [--only cleaner,langid,classifier,service]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
BENCHMARKS = ("startup", "cleaner", "langid", "classifier", "service", "dashboard")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="comma-separated subset")
    args = parser.parse_args()
    failed = []
    for name in args.only.split(","):
        if name not in BENCHMARKS:
            parser.error(f"unknown benchmark {name!r}; choose from {', '.join(BENCHMARKS)}")
        print(f"== bench/{name}.py", flush=True)
        started = time.time()
        # as a module: run by path, bench/service.py would shadow the service package
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=BENCH_DIR.parent)
        print(f"== bench/{name}.py: exit {code} after {time.time() - started:.0f} s", flush=True)
        if code:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
