"""``triage release list|promote VERSION|rollback``: manage which release is ``current``."""

from __future__ import annotations

import argparse

from models.classifier import CURRENT_POINTER, RELEASE_FILE, release_dir, rollback, set_current
from service.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("release", help="list, promote or roll back model releases")
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", help="list releases, marking the current one")
    promote = actions.add_parser("promote", help="make VERSION the current release")
    promote.add_argument("version")
    actions.add_parser("rollback", help="return to the release that was current before")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "promote":
        previous = set_current(args.version)
        print(f"current: {args.version} (was {previous})")
    elif args.action == "rollback":
        print(f"current: {rollback()}")
    else:
        releases = get_settings().releases_dir
        current = release_dir().name if (releases / CURRENT_POINTER).exists() else None
        for path in sorted(p for p in releases.iterdir() if (p / RELEASE_FILE).exists()):
            print(("* " if path.name == current else "  ") + path.name)
    return 0
