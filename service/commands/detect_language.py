"""``triage detect-language``: the language of each message in a JSON-lines stream.

Input lines are ``{"id": ..., "text": ...}``; output lines are
``{"id", "language", "confidence", "shares"}``, one per valid input line, in input order. A bad
line is reported on stderr with its line number and skipped, so one broken record does not lose
the rest of a batch; the exit code is 1 if any line was bad.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import TextIO

from service.language import detect_language


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "detect-language",
        help="detect ko/ru/tr/en/other for JSON lines {id, text} (stdout: JSON lines)",
    )
    parser.add_argument(
        "file", nargs="?", default="-", help="JSON-lines input; '-' (default) reads stdin"
    )
    parser.set_defaults(handler=run)


def _parse(line: str) -> tuple[object, str]:
    """The record's id and text; ValueError with a readable reason otherwise."""
    record = json.loads(line)
    if not isinstance(record, dict):
        raise ValueError("expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        raise ValueError('missing or non-string "text"')
    return record.get("id"), text


def detect_lines(lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """Process a stream; returns the number of malformed lines."""
    bad = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record_id, text = _parse(line)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            print(f"detect-language: line {number}: {exc}", file=err)
            continue
        result = detect_language(text)
        output = {
            "id": record_id,
            "language": result.language,
            "iso": result.iso,
            "confidence": result.confidence,
            "shares": result.shares,
        }
        out.write(json.dumps(output, ensure_ascii=False) + "\n")
    return bad


def run(args: argparse.Namespace) -> int:
    if args.file == "-":
        bad = detect_lines(sys.stdin, sys.stdout, sys.stderr)
    else:
        with open(args.file, encoding="utf-8") as handle:
            bad = detect_lines(handle, sys.stdout, sys.stderr)
    return 1 if bad else 0
