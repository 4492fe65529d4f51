"""``triage train``: run the retraining job (flags: see ``triage train --help``)."""

from __future__ import annotations

import argparse

from training.train import main as train_main


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train", help="fine-tune a new model release from datasets/", add_help=False
    )
    parser.set_defaults(handler=run, passthrough=True)


def run(args: argparse.Namespace) -> int:
    return train_main(args.extra)
