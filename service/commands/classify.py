"""``triage classify [FILE|-]``: JSON lines in, one JSON line of labels/scores/evidence out."""

from __future__ import annotations

import argparse
from itertools import islice

from models.classifier import load_classifier
from models.prediction import ClassifyInput
from service.config import get_settings
from service.jsonl import JsonLines, open_input, write_object
from service.pipeline import classify_batch

BATCH = 64


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default="-", help="JSONL file, or - for stdin")
    parser.add_argument("--release", default=None, help="model release (default: current)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    classifier = load_classifier(args.release, get_settings().classifier_config())
    with open_input(args.file) as stream:
        reader = JsonLines(stream, required=("id", "text"))
        objects = iter(reader)
        while batch := list(islice(objects, BATCH)):
            items = [
                ClassifyInput(id=o["id"], text=o["text"], subject=str(o.get("subject") or ""))
                for _, o in batch
            ]
            for result in classify_batch(classifier, items):
                write_object(result.to_json_dict())
    return 1 if reader.bad else 0
