"""``triage deliver``: store one message from stdin, for a Postfix/Exim ``pipe`` transport.

Exit codes follow sysexits(3), which MTAs act on: 0 once the message is committed; 75
(EX_TEMPFAIL) on any temporary failure, so the MTA keeps the mail queued and retries; 65
(EX_DATAERR) when the message itself is unusable (retrying cannot help), with the reason on
stderr. Postfix example (master.cf)::

    triage unix - n n - - pipe
      flags=Rq user=triage argv=/srv/triage/.venv/bin/triage deliver
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import BinaryIO

from service.config import Settings, get_settings
from service.db.ingest import ingest_messages
from service.db.session import open_database
from service.inbound import InboundError
from service.inbound.build import message_from_mime, parse_direction
from service.mail.message import Direction

logger = logging.getLogger(__name__)

EX_OK = 0
EX_DATAERR = 65
EX_TEMPFAIL = 75


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--direction",
        choices=[d.value for d in Direction],
        default=Direction.INBOUND.value,
        help="outbound = the provider's own sent mail (stored for reply timing only)",
    )
    parser.set_defaults(handler=run)


def read_limited(stream: BinaryIO, limit: int) -> bytes | None:
    """The whole input, or None as soon as it exceeds ``limit`` bytes."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def deliver(raw: bytes, direction: str, settings: Settings) -> int:
    """Parse and store; returns the exit code (the reason is printed on stderr)."""
    try:
        message = message_from_mime(
            raw, provider="pipe", settings=settings, direction=parse_direction(direction)
        )
    except InboundError as exc:
        print(f"triage deliver: rejected: {exc.reason}", file=sys.stderr)
        return EX_DATAERR if exc.status < 500 else EX_TEMPFAIL
    try:
        database = open_database(settings)
        try:
            outcome = ingest_messages(database, [message], settings)[0]
        finally:
            database.dispose()
    except Exception as exc:  # any failure to store is temporary from the MTA's point of view
        logger.exception("deliver failed to store the message")
        print(f"triage deliver: temporary failure: {type(exc).__name__}", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"stored message {outcome.id}{' (redelivery)' if outcome.duplicate else ''}")
    return EX_OK


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        raw = read_limited(sys.stdin.buffer, settings.max_message_bytes)
    except OSError as exc:
        print(f"triage deliver: cannot read stdin: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    if raw is None:
        print(
            f"triage deliver: rejected: larger than {settings.max_message_bytes} bytes",
            file=sys.stderr,
        )
        return EX_DATAERR
    return deliver(raw, args.direction, settings)
