"""``triage db upgrade|current|history``: the database schema as its own deployment step.

Run ``triage db upgrade`` once per release, before starting the new API and worker processes;
they check the schema at start and refuse to run on another one. Safe to run from several
places at once: the upgrade holds a database lock (PostgreSQL advisory lock).
"""

from __future__ import annotations

import argparse

from service.config import get_settings
from service.db import schema
from service.db.session import Database


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="migrate to this code's schema (locked)")
    upgrade.add_argument("--revision", default="head", help="target revision (default head)")
    actions.add_parser("current", help="print the database's revision and whether it is current")
    actions.add_parser("history", help="list the packaged revisions, oldest first")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "history":
        for revision in schema.history():
            print(f"{revision.id}\t{revision.down or '-'}\t{revision.doc}")
        return 0
    database = Database.from_settings(get_settings())
    try:
        if args.action == "upgrade":
            schema.upgrade(database.engine, args.revision)
            print(f"database at {schema.current_revision(database.engine)}")
            return 0
        current, head = schema.current_revision(database.engine), schema.head_revision()
        state = "current" if current == head else f"behind: this code needs {head}"
        print(f"{current or 'empty'}\t{state}")
        return 0 if current == head else 1
    finally:
        database.dispose()
