"""``triage evaluate [--release R]``: test-split metrics, plots and report for a release."""

from __future__ import annotations

import argparse
import json

from service.config import get_settings
from training.evaluate import evaluate_release


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--release", default=None, help="release version (default: current)")
    parser.add_argument("--split", default="test", choices=["train", "dev", "test"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = get_settings().classifier_config()
    metrics = evaluate_release(args.release, config, split=args.split)
    summary = {k: metrics[k] for k in ("split_size", "micro_f1", "macro_f1")}
    summary["min_f1_language_label"] = metrics["min_f1_language_label"]
    print(json.dumps(summary, indent=2))
    return 0
