"""Start-up cost of the commands that run often: ``triage deliver`` (an MTA runs it once per
message) and ``triage --help``.

Each is run 10 times as a fresh process; the table gives the median wall time, the median CPU
time (user + system: robust when other work shares the cores) and the peak resident memory.
Goals on a 2-core host: deliver < 0.5 s and < 120 MB, ``--help`` < 1 s.

    .venv/bin/python -m bench.startup [--repeats 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from models.paths import REPO_ROOT

RESULTS = REPO_ROOT / "bench" / "results" / "startup.md"
TRIAGE = Path(sys.executable).with_name("triage")
MAIL = (
    b"From: Greg Hall <greg@acme.example>\r\nTo: studio@agency.example\r\n"
    b"Subject: Re: invoice 1042\r\nMessage-ID: <bench-{n}@acme.example>\r\n"
    b"Date: Fri, 04 Dec 2026 10:00:00 +0000\r\n\r\n"
    b"Hi, where is the corrected invoice? We need it today.\r\n\r\nGreg\r\n"
)


@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float


def run_once(argv: list[str], stdin: bytes, env: dict[str, str]) -> Run:
    """One fresh process; its own rusage (``wait4``), not the sum of all children."""
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    assert process.stdin is not None
    process.stdin.write(stdin)
    process.stdin.close()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv)} exited {process.returncode}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def measure(name: str, argv: list[str], repeats: int, env: dict[str, str]) -> str:
    runs = [run_once(argv, MAIL.replace(b"{n}", str(i).encode()), env) for i in range(repeats)]
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    rss = max(r.rss_mb for r in runs)
    return f"| {name} | {repeats} | {wall:.3f} | {cpu:.3f} | {rss:.0f} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the bench package too
    from bench.machine import describe

    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "TRIAGE_DATA_DIR": data_dir, "TRIAGE_LOG_LEVEL": "WARNING"}
        load = os.getloadavg()[0]
        rows = [
            measure(
                "`triage deliver` (spools one message)", [str(TRIAGE), "deliver"], args.repeats, env
            ),
            measure("`triage --help`", [str(TRIAGE), "--help"], args.repeats, env),
            measure(
                "`python -c pass` (interpreter floor)",
                [sys.executable, "-c", "pass"],
                args.repeats,
                env,
            ),
        ]
    lines = [
        "# Start-up: the MTA pipe and the CLI",
        "",
        f"Machine: {describe()}; load average {load:.2f} when the run started.",
        "",
        "| command | runs | median wall s | median CPU s | peak RSS MB |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        "Goals (2 cores): deliver < 0.5 s and < 120 MB; `--help` < 1 s. Before the lazy CLI and",
        "the spool, `triage deliver` imported torch: 12.5 s and 540 MB per message (issue #15).",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
