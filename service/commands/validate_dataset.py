"""``triage validate-dataset``: check the corpus and print per-language x per-label counts."""

from __future__ import annotations

import argparse
from pathlib import Path

from training.validate import format_report, validate


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path, help="JSONL files (default: the corpus)")
    parser.add_argument("--no-quotas", action="store_true", help="skip the size quotas")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    report = validate(args.files or None, quotas=not args.no_quotas)
    print(format_report(report))
    return 0 if report.ok else 1
