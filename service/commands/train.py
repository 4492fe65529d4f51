"""``triage train``: run the retraining job (flags: see ``triage train --help``)."""

from __future__ import annotations

import argparse

from service.config import get_settings
from training.train import main as train_main


def configure(parser: argparse.ArgumentParser) -> None:
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return train_main(args.extra, get_settings().classifier_config())
