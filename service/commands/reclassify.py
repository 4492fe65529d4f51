"""``triage reclassify``: re-queue stored mail for the current (or a named) release.

Messages already classified by that release are left alone, so the command is cheap to repeat.
The running workers do the work (reload them first: SIGHUP or ``POST /v1/admin/reload-model``);
``--run`` classifies in this process instead and waits until the queue is empty.
"""

from __future__ import annotations

import argparse
import sys

from models.registry import release_dir
from service.config import get_settings
from service.db.queue import requeue
from service.db.session import open_database
from service.runtime import ClassifierHolder, service_loader
from service.worker import Worker


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--release", default=None, help="target release (default: current)")
    parser.add_argument("--failed", action="store_true", help="also retry messages that failed")
    parser.add_argument("--all", action="store_true", help="also those the release already did")
    parser.add_argument("--client", type=int, default=None, help="only this client's messages")
    parser.add_argument("--run", action="store_true", help="classify here until done")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        release = release_dir(settings.releases_dir, args.release).name
    except FileNotFoundError as exc:
        print(f"triage reclassify: {exc}", file=sys.stderr)
        return 1
    database = open_database(settings)
    try:
        with database.session() as session:
            queued = requeue(
                session,
                release=release,
                include_failed=args.failed,
                everything=args.all,
                client_id=args.client,
            )
        print(f"queued {queued} messages for release {release}")
        if args.run:
            holder = ClassifierHolder(service_loader(settings))
            holder.reload(release)
            print(f"classified {Worker(database, holder, settings).drain()} messages")
    finally:
        database.dispose()
    return 0
