"""``triage api-key create|list|revoke``: keys for the query and admin API (hashed at rest)."""

from __future__ import annotations

import argparse
import json

from service.config import get_settings
from service.db.api_keys import DEFAULT_SCOPES, create_key, list_keys, revoke_key
from service.db.models import Scope
from service.db.session import open_database


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create a key and print it (shown once)")
    create.add_argument("--name", required=True, help="who or what uses the key")
    create.add_argument(
        "--scope",
        dest="scopes",
        action="append",
        choices=[scope.value for scope in Scope],
        help="what the key may do (repeat; default read): read = GET clients/messages/flags, "
        "write = feedback and client mappings, admin = erase/reload/re-queue, inbound = post "
        "mail to /v1/inbound/raw and /json",
    )
    create.add_argument(
        "--admin",
        action="store_true",
        help="shorthand for --scope read --scope write --scope admin",
    )
    actions.add_parser("list", help="list keys (prefix, name, scopes, state)")
    revoke = actions.add_parser("revoke", help="revoke a key by id")
    revoke.add_argument("id", type=int)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    database = open_database(get_settings())
    try:
        with database.session() as session:
            if args.action == "create":
                scopes = set(args.scopes or ([] if args.admin else DEFAULT_SCOPES))
                if args.admin:
                    scopes |= {Scope.READ, Scope.WRITE, Scope.ADMIN}
                created = create_key(session, args.name, [Scope(s) for s in scopes])
                print(json.dumps({"id": created.id, "name": created.name, "key": created.key,
                                  "scopes": list(created.scopes)}))  # fmt: skip
            elif args.action == "revoke":
                if not revoke_key(session, args.id):
                    print(f"no active key with id {args.id}")
                    return 1
                print(f"revoked key {args.id}")
            else:
                for key in list_keys(session):
                    state = "revoked" if key.revoked_at else "active"
                    print(f"{key.id}\t{key.prefix}…\t{key.name}\t{key.scopes}\t{state}")
    finally:
        database.dispose()
    return 0
