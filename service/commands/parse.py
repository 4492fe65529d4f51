"""``triage parse``: show what the pipeline would classify in one raw message."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from service.mail.message import MailParseError
from service.mail.parse import parse_mime
from service.mail.timing import reply_gap_seconds


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="path to a raw RFC 5322 message, or - to read stdin")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        raw = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()
    except OSError as exc:
        print(f"triage parse: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        message = parse_mime(raw, provider="cli")
    except MailParseError as exc:
        print(f"triage parse: {exc}", file=sys.stderr)
        return 1
    data = message.to_json_dict()
    output = {
        "from": data["from_address"],
        "to": data["to_addresses"],
        "date": data["date"],
        "message_id": data["message_id"],
        "in_reply_to": data["in_reply_to"],
        "references": data["references"],
        "subject": data["subject"],
        "text": data["text"],
        "quoted_text": data["quoted_text"],
        "quoted_date": data["quoted_date"],
        "reply_gap_seconds": reply_gap_seconds(message),
        "charset": data["charset"],
        "client_id": message.from_address,
    }
    print(json.dumps(output, ensure_ascii=False, indent=2))
    return 0
