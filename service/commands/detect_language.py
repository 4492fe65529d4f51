"""``triage detect-language``: the language of each message in a JSON-lines stream.

Input lines are ``{"id": ..., "text": ...}``; output lines are
``{"id", "language", "confidence", "shares"}``, one per valid input line, in input order. A bad
line is reported on stderr with its line number and skipped, so one broken record does not lose
the rest of a batch; the exit code is 1 if any line was bad (as for ``triage classify``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from typing import TextIO

from service.jsonl import JsonLines, open_input, write_object
from service.language import detect_language


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", default="-", help="JSON-lines input; '-' (default) reads stdin"
    )
    parser.set_defaults(handler=run)


def detect_lines(lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """Process a stream; returns the number of malformed lines."""
    reader = JsonLines(lines, required=("id", "text"), err=err)
    for _, record in reader:
        result = detect_language(record["text"])
        output = {
            "id": record["id"],
            "language": result.language,
            "iso": result.iso,
            "confidence": result.confidence,
            "shares": result.shares,
        }
        write_object(output, out)
    return reader.bad


def run(args: argparse.Namespace) -> int:
    with open_input(args.file) as stream:
        return 1 if detect_lines(stream, sys.stdout, sys.stderr) else 0
