"""The MTA pipe's second half: store what ``triage deliver`` spooled (see :mod:`service.spool`).

Each spooled file goes through the same builder and ingest as a webhook; its file is deleted
only after the commit. A message the builder refuses is moved aside with the reason; a storage
failure puts the claim back and ends this round, so an outage costs time, never mail.
"""

from __future__ import annotations

import logging

from service.config import Settings
from service.db.ingest import ingest_messages
from service.db.session import Database
from service.inbound.build import message_from_mime, parse_direction
from service.inbound.errors import InboundError
from service.spool import Spool, direction_of

logger = logging.getLogger(__name__)

PROVIDER = "pipe"


def drain_spool(spool: Spool, database: Database, settings: Settings, limit: int) -> int:
    """Store up to ``limit`` spooled messages; returns how many were stored (or recognised)."""
    spool.recover(settings.worker_lease_seconds)
    stored = 0
    claimed = spool.claim(limit)
    for position, path in enumerate(claimed):
        try:
            message = message_from_mime(
                path.read_bytes(),
                provider=PROVIDER,
                settings=settings,
                direction=parse_direction(direction_of(path)),
            )
        except InboundError as exc:
            logger.warning(
                "spooled message rejected", extra={"file": path.name, "reason": exc.reason}
            )
            spool.reject(path, exc.reason)
            continue
        try:
            ingest_messages(database, [message], settings)
        except Exception:
            logger.exception("spooled message not stored; kept for the next round")
            for waiting in claimed[position:]:
                spool.release(waiting)
            break
        spool.done(path)
        stored += 1
    return stored
