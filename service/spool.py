"""The MTA pipe's hand-off: a maildir-style spool of messages waiting to be stored.

``triage deliver`` runs once per message under Postfix or Exim, so it must start in a fraction
of a second and in little memory, and it must never lose a message it acknowledged. It checks
the message, writes it here durably (written to ``tmp/``, fsynced, renamed into ``new/``: a
crash leaves either nothing or a complete file) and exits 0; the workers of ``triage serve`` and
``triage worker`` on the same host store spooled mail like any webhook
(:func:`service.inbound.pipe.drain_spool`). The MTA no longer waits for the database either: an
outage delays storage, it does not bounce or queue mail.

A worker claims a file by renaming it into ``cur/`` (atomic: two workers never take the same
file), deletes it only after the message is committed, and moves a claim left behind by a dead
worker back to ``new/`` once it is older than the lease. Storing twice is harmless (ingest
recognises redeliveries). Files that are not usable mail go to ``rejected/`` with the reason.
Standard library only: this module is imported by the pipe.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

SUFFIX = ".eml"


class Spool:
    """One spool directory (``TRIAGE_SPOOL_DIR``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp, self.new, self.cur, self.rejected = (
            root / name for name in ("tmp", "new", "cur", "rejected")
        )

    def put(self, raw: bytes, direction: str) -> Path:
        """Write a message durably into ``new/``; returns its path (raises ``OSError``)."""
        for folder in (self.tmp, self.new):
            folder.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}.{os.getpid()}.{uuid.uuid4().hex}.{direction}{SUFFIX}"
        staging = self.tmp / name
        with open(staging, "wb") as stream:
            stream.write(raw)
            stream.flush()
            os.fsync(stream.fileno())
        target = self.new / name
        os.rename(staging, target)
        _fsync_dir(self.new)
        return target

    def claim(self, limit: int) -> list[Path]:
        """Up to ``limit`` waiting messages, oldest first, moved into ``cur/`` for this caller."""
        if not self.new.is_dir():
            return []
        self.cur.mkdir(parents=True, exist_ok=True)
        claimed: list[Path] = []
        for name in sorted(os.listdir(self.new)):
            if len(claimed) >= limit:
                break
            try:
                os.rename(self.new / name, self.cur / name)
            except FileNotFoundError:  # another worker was faster
                continue
            os.utime(self.cur / name)  # the lease starts now
            claimed.append(self.cur / name)
        return claimed

    def done(self, path: Path) -> None:
        """The message is committed: forget the file."""
        path.unlink(missing_ok=True)

    def release(self, path: Path) -> None:
        """Storing failed for a reason that may pass (database down): back to ``new/``."""
        os.rename(path, self.new / path.name)

    def reject(self, path: Path, reason: str) -> None:
        """Not usable mail: kept aside with the reason, for an operator to look at."""
        self.rejected.mkdir(parents=True, exist_ok=True)
        os.rename(path, self.rejected / path.name)
        (self.rejected / f"{path.name}.reason").write_text(reason + "\n", encoding="utf-8")

    def recover(self, lease_seconds: float) -> int:
        """Claims older than the lease (their worker died) go back to ``new/``; returns how many."""
        if not self.cur.is_dir():
            return 0
        cutoff = time.time() - lease_seconds
        recovered = 0
        for path in self.cur.iterdir():
            try:
                if path.stat().st_mtime < cutoff:
                    self.release(path)
                    recovered += 1
            except FileNotFoundError:
                continue
        return recovered

    def depth(self) -> int:
        """Messages waiting (not counting claimed ones)."""
        return len(os.listdir(self.new)) if self.new.is_dir() else 0


def direction_of(path: Path) -> str:
    """The direction ``triage deliver`` was given, kept in the file name."""
    return path.name.removesuffix(SUFFIX).rsplit(".", 1)[-1]


def _fsync_dir(folder: Path) -> None:
    """Make the rename itself durable (the directory entry), as maildir delivery does."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
