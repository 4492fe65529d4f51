"""``triage export-feedback``: reviewer corrections as a training corpus (dataset JSONL).

Feed the file to the next training run with ``--extra-corpora PATH``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.config import get_settings
from service.db.feedback import feedback_records
from service.db.session import open_database


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    database = open_database(get_settings())
    try:
        with database.session() as session:
            lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in feedback_records(session)]
    finally:
        database.dispose()
    if args.output == "-":
        sys.stdout.writelines(lines)
    else:
        Path(args.output).write_text("".join(lines), encoding="utf-8")
        print(f"wrote {len(lines)} records to {args.output}", file=sys.stderr)
    return 0
