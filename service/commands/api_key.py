"""``triage api-key create|list|revoke``: keys for the query and admin API (hashed at rest)."""

from __future__ import annotations

import argparse
import json

from service.config import get_settings
from service.db.api_keys import create_key, list_keys, revoke_key
from service.db.session import open_database


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown once)")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument(
        "--admin", action="store_true", help="may erase clients, reload the model, re-queue"
    )
    actions.add_parser("list", help="list keys (prefix, name, role, state)")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    database = open_database(get_settings())
    try:
        with database.session() as session:
            if args.action == "create":
                created = create_key(session, args.name, admin=args.admin)
                print(json.dumps({"id": created.id, "name": created.name, "key": created.key,
                                  "admin": created.admin}))  # fmt: skip
            elif args.action == "revoke":
                if not revoke_key(session, args.id):
                    print(f"no active key with id {args.id}")
                    return 1
                print(f"revoked key {args.id}")
            else:
                for key in list_keys(session):
                    state = "revoked" if key.revoked_at else "active"
                    role = "admin" if key.admin else "query"
                    print(f"{key.id}\t{key.prefix}…\t{key.name}\t{role}\t{state}")
    finally:
        database.dispose()
    return 0
