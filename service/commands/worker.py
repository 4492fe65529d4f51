"""``triage worker``: classification workers without the API (scale out on PostgreSQL).

Each process claims with ``FOR UPDATE SKIP LOCKED``, so any number of them, on any number of
machines, share one queue. SIGHUP reloads the model; SIGTERM/SIGINT finish the current batch
and stop.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from types import FrameType

from service.config import get_settings
from service.db.session import open_database
from service.runtime import ClassifierHolder, service_loader
from service.worker import Worker

logger = logging.getLogger(__name__)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--threads", type=int, default=1, help="worker loops in this process (default 1)"
    )
    parser.add_argument(
        "--once", action="store_true", help="classify until the queue is empty, then exit"
    )
    parser.add_argument("--release", default=None, help="model release (default: current)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    database = open_database(settings)
    holder = ClassifierHolder(service_loader(settings))
    try:
        holder.reload(args.release)
    except FileNotFoundError as exc:
        print(f"triage worker: {exc}", file=sys.stderr)
        return 1
    workers = [Worker(database, holder, settings) for _ in range(max(1, args.threads))]
    if args.once:
        total = sum(worker.drain() for worker in workers)
        logger.info("queue drained", extra={"classified": total})
        return 0

    def stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("stopping workers", extra={"signal": signum})
        for worker in workers:
            worker.stop.set()
            worker.wake.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, lambda *_: holder.reload_in_background())
    threads: list[threading.Thread] = [worker.start_thread() for worker in workers]
    for thread in threads:
        while thread.is_alive():
            thread.join(timeout=1.0)  # short joins keep the main thread responsive to signals
    database.dispose()
    return 0
