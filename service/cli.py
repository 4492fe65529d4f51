"""The ``triage`` console script: one subcommand per module in ``service.commands``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from service.config import get_settings
from service.logging import configure_logging

COMMAND_MODULES: tuple[str, ...] = (
    "base_model",
    "detect_language",
    "serve",
    "parse",
    "validate_dataset",
    "train",
    "evaluate",
    "release",
    "classify",
    "worker",
    "deliver",
    "api_key",
    "export_feedback",
    "reclassify",
)
"""Subcommand modules under ``service.commands``, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """Assemble the parser from every command module's ``register`` hook."""
    parser = argparse.ArgumentParser(
        prog="triage", description="Client-risk email triage (ko, ru, tr, en)."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"service.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; each command's handler returns the process exit code."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and not getattr(args, "passthrough", False):
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    configure_logging(get_settings().log_level)
    return int(args.handler(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
