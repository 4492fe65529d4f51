"""Same-host A/B of webhook ingest: another git revision against this checkout, taking turns.

A noisy machine moves absolute figures by 2x between runs; a comparison made in one run, with
the two servers alternating on the same host, does not move. The other revision is checked
out in a temporary git worktree and served with this checkout's virtual environment (same
libraries), driven by this checkout's load generator. Prints a Markdown table (the server's
CPU time per request is the steadiest figure).

    .venv/bin/python -m bench.ab OLD_REV [--rate 150] [--seconds 8] [--repeats 2] [--postgres]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from models.paths import REPO_ROOT


@contextmanager
def worktree(revision: str) -> Iterator[Path]:
    """``revision`` checked out in a temporary directory, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="triage-ab-")) / "tree"
    git = ["git", "-C", str(REPO_ROOT), "worktree"]
    subprocess.run([*git, "add", "--detach", str(path), revision], check=True, capture_output=True)
    try:
        yield path
    finally:
        subprocess.run([*git, "remove", "--force", str(path)], check=False, capture_output=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", help="git revision to compare against this checkout")
    parser.add_argument("--rate", type=float, default=150)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the bench package too
    from bench.service import ingest, postgres_database

    lines = [
        "| code | offered req/s | achieved req/s | p50 ms | p95 ms | p99 ms | server CPU ms/req "
        "| errors | lost |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    with worktree(args.old) as old_dir:
        for _ in range(args.repeats):
            for name, code_dir in ((args.old, old_dir), ("this checkout", REPO_ROOT)):
                with postgres_database() if args.postgres else nullcontext() as url:
                    if args.postgres and url is None:
                        parser.error("no PostgreSQL answers on 127.0.0.1")
                    r = ingest(url, args.rate, args.seconds, code_dir)
                errors = sum(n for code, n in r["statuses"].items() if code not in ("200", "202"))
                lines.append(
                    f"| {name} | {args.rate:.0f} | {r['achieved_rps']:.0f} | {r['p50_ms']:.1f} | "
                    f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['server_cpu_ms']:.1f} | "
                    f"{errors} | {r['lost']} |"
                )
                print(lines[-1], flush=True)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
