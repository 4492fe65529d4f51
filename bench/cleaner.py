"""Benchmark: how long reply cleaning takes, per fixture cause and on pathological mail.

Cleaning is what every webhook pays per message: :func:`service.mail.clean.split_reply`, then
the attribution date (:func:`service.mail.builder.quoted_date`). The goal is no case over
50 ms and time linear in the mail's size, also for mail built to be slow: very long quotes,
10,000 ``>`` lines, huge header blocks, one enormous line, thousands of lines a regex has to
look at (lines ending in ":", phone lines, dash-signed names).

Prints, and writes to ``bench/results/cleaner.md`` with the machine's description:

* per fixture cause (``tests/fixtures/replies/``) and for the ``.eml`` fixtures through the
  whole MIME path: cases, median and max milliseconds (best of ``--repeat`` runs each);
* per pathological shape: milliseconds at n, 2n, 4n and 8n units, and the growth of the cost
  per unit from 2n to 8n (1.0 = perfectly linear; quadratic code shows about 4; the step from n
  is left out because at a few milliseconds it measures the machine's noise).

    .venv/bin/python -m bench.cleaner [--repeat 5] [--units 1250]

This is a benchmark, not a test: it exits 0 whatever the numbers are.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tomllib
from collections.abc import Callable

from bench.machine import describe
from models.paths import REPO_ROOT
from service.mail.builder import quoted_date
from service.mail.clean import split_reply
from service.mail.parse import parse_mime

RESULTS = REPO_ROOT / "bench" / "results" / "cleaner.md"
FIXTURES = REPO_ROOT / "tests" / "fixtures"
GOAL_MS = 50.0
LINEAR_GROWTH = 2.0
"""Cost per unit may grow this much from 2n to 8n units and still count as linear (caches,
allocation and a loaded machine move it a little; quadratic code moves it about 4x)."""

ATTRIBUTION = "On Mon, Nov 3, 2025 at 9:41 AM Ann Lee <ann@client.example> wrote:"
HEADERS = "From: Client <c@client.example>\r\nTo: s@vendor.example\r\nSubject: x\r\n"

PATHOLOGICAL: dict[str, tuple[str, Callable[[int], str | bytes]]] = {
    "long quote": ("quoted lines", lambda n: f"Fine.\n\n{ATTRIBUTION}\n" + "> history line\n" * n),
    "'>' lines, no attribution": ("lines", lambda n: "Fine.\n" + "> > > old text\n" * n),
    "deep '>' nesting": ("lines", lambda n: "Fine.\n" + ">" * 60 + " x\n" * n),
    "long reply text": ("lines", lambda n: "An ordinary sentence of the client's reply.\n" * n),
    "lines ending in ':'": ("lines", lambda n: "Please see the 3 points below:\n" * n),
    "header labels": ("lines", lambda n: "Fine.\n\n" + "From: a@b.example\nTo: c\n" * n),
    "phone lines": ("lines", lambda n: "Fine.\n\n" + "Sent from my iPhone\n" * n),
    "dash-signed names": ("lines", lambda n: "Fine.\n\n" + "-Roman\n" * n),
    "one enormous line": ("words", lambda n: "Thanks! " * (10 * n) + "wrote:"),
    "huge MIME header block": (
        "header lines",
        lambda n: (
            (HEADERS + "".join(f"X-Trace-{i}: {'a' * 60}\r\n" for i in range(n)) + "\r\n").encode()
            + b"Fine.\r\n"
        ),
    ),
    "one folded MIME header": (
        "folded lines",
        lambda n: (
            (HEADERS + "References:" + "".join(f" <{i}@a.example>\r\n" for i in range(n))).encode()
            + b"\r\nFine.\r\n"
        ),
    ),
}


def clean(text: str) -> None:
    """What the message builder does with a body's text."""
    _, quoted, _ = split_reply(text)
    quoted_date(quoted, None)


def best_ms(call: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        timings.append(time.perf_counter() - started)
    return min(timings) * 1000


def fixture_rows(repeat: int) -> list[tuple[str, int, float, float]]:
    """(cause, cases, median ms, max ms) per reply fixture file, then the .eml fixtures."""
    rows = []
    for path in sorted((FIXTURES / "replies").glob("*.toml")):
        cases = tomllib.loads(path.read_text(encoding="utf-8"))["case"]
        times = [best_ms(lambda text=case["text"]: clean(text), repeat) for case in cases]
        rows.append((path.stem, len(times), statistics.median(times), max(times)))
    raws = [path.read_bytes() for path in sorted((FIXTURES / "eml").glob("*/*.eml"))]
    times = [best_ms(lambda raw=raw: parse_mime(raw), repeat) for raw in raws]
    rows.append(("eml fixtures, whole MIME path", len(times), statistics.median(times), max(times)))
    return rows


def scaling_rows(units: int, repeat: int) -> list[tuple[str, str, list[float], float]]:
    """(shape, unit, ms at n/2n/4n/8n, growth of cost per unit from 2n to 8n)."""
    rows = []
    for name, (unit, build) in PATHOLOGICAL.items():
        timings = []
        for factor in (1, 2, 4, 8):
            body = build(units * factor)
            call = (
                (lambda raw=body: parse_mime(raw))
                if isinstance(body, bytes)
                else (lambda text=body: clean(text))
            )
            timings.append(best_ms(call, repeat))
        rows.append((name, unit, timings, (timings[3] / 8) / max(timings[1] / 2, 1e-6)))
    return rows


def report(fixtures: list, scaling: list, units: int) -> str:
    lines = [
        "# Reply cleaning benchmark",
        "",
        f"Machine: {describe()}",
        "",
        "Cleaning = `split_reply` + the attribution date, as the message builder runs them; "
        "the `.eml` row is the whole MIME path (`parse_mime`). Best of several runs per case.",
        "",
        "| fixtures | cases | median ms | max ms |",
        "|---|---|---|---|",
        *(f"| {name} | {n} | {median:.2f} | {worst:.2f} |" for name, n, median, worst in fixtures),
        "",
        f"| pathological shape (n = {units:,}) | unit | n | 2n | 4n | 8n (ms) | cost per unit, "
        "8n vs 2n |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {name} | {unit} | "
            + " | ".join(f"{ms:.1f}" for ms in timings)
            + f" | {growth:.2f} |"
            for name, unit, timings, growth in scaling
        ),
        "",
        "Goals:",
        "",
    ]
    worst = max(row[3] for row in fixtures)
    steepest = max(scaling, key=lambda row: row[3])
    lines += [
        f"- [{'x' if worst <= GOAL_MS else ' '}] no fixture case over {GOAL_MS:.0f} ms: "
        f"max {worst:.2f} ms",
        f"- [{'x' if steepest[3] <= LINEAR_GROWTH else ' '}] pathological mail linear (cost per "
        f"unit grows at most {LINEAR_GROWTH}x from 2n to 8n): worst {steepest[3]:.2f}x "
        f"({steepest[0]})",
    ]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description="Reply-cleaning benchmark.")
    parser.add_argument("--repeat", type=int, default=5, help="runs per case (best counts)")
    parser.add_argument("--units", type=int, default=1250, help="n for the pathological shapes")
    args = parser.parse_args()
    text = report(fixture_rows(args.repeat), scaling_rows(args.units, args.repeat), args.units)
    print(text)
    RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
