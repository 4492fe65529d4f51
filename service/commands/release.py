"""``triage release list|promote VERSION|rollback``: manage which release is ``current``."""

from __future__ import annotations

import argparse

from models.registry import current_version, list_releases, rollback, set_current
from service.config import get_settings


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list releases, marking the current one")
    promote = actions.add_parser("promote", help="make VERSION the current release")
    promote.add_argument("version")
    actions.add_parser("rollback", help="return to the release that was current before")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    releases = get_settings().releases_dir
    if args.action == "promote":
        previous = set_current(releases, args.version)
        print(f"current: {args.version} (was {previous})")
    elif args.action == "rollback":
        print(f"current: {rollback(releases)}")
    else:
        current = current_version(releases)
        for name in list_releases(releases):
            print(("* " if name == current else "  ") + name)
    return 0
