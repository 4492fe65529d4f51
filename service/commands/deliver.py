"""``triage deliver``: hand one message from stdin to the service, for an MTA ``pipe`` transport.

The message is checked (the builder's rules, read from the header block alone: a message
without mail headers or a sender address is refused) and written durably to the spool
(:mod:`service.spool`); the workers of ``triage serve`` or ``triage worker`` on this host
store it within a poll interval. This keeps the per-message process small and quick (no
database driver, no model, no cleaner) and lets mail in while the database is down.

Exit codes follow sysexits(3), which MTAs act on: 0 once the message is safely spooled; 75
(EX_TEMPFAIL) when it cannot be written, so the MTA keeps the mail queued and retries; 65
(EX_DATAERR) when the message itself is unusable (retrying cannot help), with the reason on
stderr. Postfix example (master.cf)::

    triage unix - n n - - pipe
      flags=Rq user=triage argv=/srv/triage/.venv/bin/triage deliver
"""

from __future__ import annotations

import argparse
import sys
from typing import BinaryIO

from service.config import Settings, get_settings
from service.mail.message import Direction, MailParseError
from service.mail.structure import check_mail
from service.spool import Spool

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
    """Check and spool; returns the exit code (the reason is printed on stderr)."""
    try:
        check_mail(raw)
    except MailParseError as exc:
        print(f"triage deliver: rejected: {exc}", file=sys.stderr)
        return EX_DATAERR
    try:
        path = Spool(settings.effective_spool_dir()).put(raw, direction)
    except OSError as exc:  # disk full, permissions: the MTA keeps the mail and retries
        print(f"triage deliver: temporary failure: {exc}", file=sys.stderr)
        return EX_TEMPFAIL
    print(f"spooled {path.name}")
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
